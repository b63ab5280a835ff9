/**
 * ListDocuments filters: the legacy DocumentFilterList ({key, value}) and Filters
 * ({Key, Values}) read into one list; a document matches when it matches every filter, and a
 * filter when the document matches any of its values.
 *
 *   Owner         Self (own documents), Amazon (built-in), Private (own, and shared with this
 *                 account), Public (shared with everyone), All; ThirdParty matches nothing
 *   Name          the name begins with the value
 *   DocumentType, TargetType   equal to the value
 *   PlatformTypes the document runs on the platform
 *   tag:KEY       the document has tag KEY with the value (own documents only)
 */
import { awsError, type ssm } from '@bosun/protocol';
import type { ListedDocument } from './document-store.ts';

export interface ListFilter {
  readonly key: string;
  readonly values: readonly string[];
}

export type OwnerScope = 'Self' | 'Amazon' | 'Private' | 'Public';

const FILTER_KEYS = ['Owner', 'Name', 'DocumentType', 'TargetType', 'PlatformTypes'];
const OWNER_VALUES: Readonly<Record<string, readonly OwnerScope[]>> = {
  Self: ['Self'],
  Amazon: ['Amazon'],
  Private: ['Self', 'Private'],
  Public: ['Public'],
  All: ['Self', 'Amazon', 'Private', 'Public'],
  ThirdParty: [],
};

export function parseListFilters(input: ssm.ListDocumentsRequest): ListFilter[] {
  if (input.DocumentFilterList && input.Filters) {
    throw awsError('ValidationException', 'Use either DocumentFilterList or Filters, not both.');
  }
  const filters: ListFilter[] = [
    ...(input.DocumentFilterList ?? []).map((f) => ({ key: f.key as string, values: [f.value] })),
    ...(input.Filters ?? []).map((f) => ({ key: f.Key ?? '', values: f.Values ?? [] })),
  ];
  for (const filter of filters) {
    if (!FILTER_KEYS.includes(filter.key) && !/^tag:.+/.test(filter.key)) {
      throw awsError('InvalidFilterKey', `The filter key ${filter.key} is not valid. Valid filter keys are ${FILTER_KEYS.join(', ')} and tag:<key>.`);
    }
    if (filter.values.length === 0) {
      throw awsError('ValidationException', `The filter ${filter.key} needs at least one value.`);
    }
    if (filter.key === 'Owner') {
      const bad = filter.values.find((v) => !(v in OWNER_VALUES));
      if (bad !== undefined) throw awsError('ValidationException', `The Owner filter value ${bad} is not valid. Valid values are ${Object.keys(OWNER_VALUES).join(', ')}.`);
    }
  }
  return filters;
}

/** Which groups of documents to read: every group when no Owner filter is given. */
export function ownerScopes(filters: readonly ListFilter[]): Set<OwnerScope> {
  const owners = filters.filter((f) => f.key === 'Owner');
  if (owners.length === 0) return new Set(OWNER_VALUES.All);
  // Several Owner filters must all hold: the groups in every one of them.
  let scopes: Set<OwnerScope> | undefined;
  for (const filter of owners) {
    const these = new Set(filter.values.flatMap((v) => OWNER_VALUES[v]));
    scopes = scopes ? new Set([...scopes].filter((s) => these.has(s))) : these;
  }
  return scopes ?? new Set();
}

export function matchesFilters(item: ListedDocument, filters: readonly ListFilter[], callerAccountId: string): boolean {
  const { doc, version } = item;
  return filters.every((filter) => {
    switch (filter.key) {
      case 'Owner':
        return true;
      case 'Name':
        return filter.values.some((v) => doc.name.startsWith(v));
      case 'DocumentType':
        return filter.values.includes(doc.document_type);
      case 'TargetType':
        return version.target_type !== null && filter.values.includes(version.target_type);
      case 'PlatformTypes': {
        const platforms = JSON.parse(version.platform_types) as string[];
        return filter.values.some((v) => platforms.includes(v));
      }
      default: {
        if (doc.account_id !== callerAccountId) return false;
        const key = filter.key.slice('tag:'.length);
        const tags = JSON.parse(doc.tags) as ssm.Tag[];
        return tags.some((t) => t.Key === key && filter.values.includes(t.Value));
      }
    }
  });
}
