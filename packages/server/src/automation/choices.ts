/**
 * aws:branch: which Choice a step takes. Each choice has a NextStep and either one operator
 * with a Variable, or And / Or (lists of choices) or Not (one choice). Variables are resolved
 * before this runs (references.ts), so it is pure.
 */
const STRING_OPERATORS = ['StringEquals', 'EqualsIgnoreCase', 'StartsWith', 'EndsWith', 'Contains'];
const NUMERIC_OPERATORS = ['NumericEquals', 'NumericGreater', 'NumericLesser', 'NumericGreaterOrEquals', 'NumericLesserOrEquals'];
const OPERATORS = [...STRING_OPERATORS, ...NUMERIC_OPERATORS, 'BooleanEquals'];

export class ChoiceError extends Error {}

type Choice = Record<string, unknown>;

function asNumber(value: unknown, what: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (Number.isNaN(n)) throw new ChoiceError(`${what} ${JSON.stringify(value)} is not a number.`);
  return n;
}

function asBoolean(value: unknown, what: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new ChoiceError(`${what} ${JSON.stringify(value)} is not a Boolean.`);
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Whether a choice (or a condition inside And/Or/Not) holds. */
export function holds(choice: Choice): boolean {
  if (Array.isArray(choice.And)) return choice.And.every((c: Choice) => holds(c));
  if (Array.isArray(choice.Or)) return choice.Or.some((c: Choice) => holds(c));
  if (choice.Not !== undefined) {
    if (choice.Not === null || typeof choice.Not !== 'object') throw new ChoiceError('Not must be one condition.');
    return !holds(choice.Not as Choice);
  }
  const operator = OPERATORS.find((op) => Object.hasOwn(choice, op));
  if (!operator) throw new ChoiceError(`A choice needs one of And, Or, Not or ${OPERATORS.join(', ')}.`);
  if (!Object.hasOwn(choice, 'Variable')) throw new ChoiceError(`A choice with ${operator} needs a Variable.`);
  const variable = choice.Variable;
  const operand = choice[operator];
  if (STRING_OPERATORS.includes(operator)) {
    const want = asText(operand);
    if (operator === 'Contains' && Array.isArray(variable)) return variable.map(asText).includes(want);
    const have = asText(variable);
    switch (operator) {
      case 'StringEquals': return have === want;
      case 'EqualsIgnoreCase': return have.toLowerCase() === want.toLowerCase();
      case 'StartsWith': return have.startsWith(want);
      case 'EndsWith': return have.endsWith(want);
      default: return have.includes(want);
    }
  }
  if (operator === 'BooleanEquals') return asBoolean(variable, 'Variable') === asBoolean(operand, operator);
  const have = asNumber(variable, 'Variable');
  const want = asNumber(operand, operator);
  switch (operator) {
    case 'NumericEquals': return have === want;
    case 'NumericGreater': return have > want;
    case 'NumericLesser': return have < want;
    case 'NumericGreaterOrEquals': return have >= want;
    default: return have <= want;
  }
}

/** The step a branch goes to: the first choice that holds, else Default; undefined when neither. */
export function chooseNext(inputs: Record<string, unknown>): string | undefined {
  for (const choice of (inputs.Choices as Choice[]) ?? []) {
    if (holds(choice)) return choice.NextStep as string;
  }
  return typeof inputs.Default === 'string' ? inputs.Default : undefined;
}
