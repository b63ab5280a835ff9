import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { collectApplications, collectInstanceDetailedInformation, collectNetwork, collectServices } from './collectors.ts';
import { readCustomInventory } from './custom-inventory.ts';
import { collectFiles, FileInventoryError, parseFileQueries } from './files.ts';

const hasDpkg = (() => {
  try {
    execFileSync('dpkg-query', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

const dirs: string[] = [];
const temp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosun-inventory-'));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('collectors read this machine', () => {
  test('AWS:Application holds every installed dpkg package with its version and architecture', { skip: hasDpkg ? undefined : 'no dpkg-query here' }, async () => {
    const item = await collectApplications();
    const dpkg = execFileSync('dpkg-query', ['-W', '-f', '${Package}\t${Version}\t${Architecture}\t${db:Status-Abbrev}\n'], { encoding: 'utf8' })
      .split('\n').filter((l) => /\ti/.test(l)).map((l) => l.split('\t').slice(0, 3).join(' ')).sort();
    assert.equal(item.schemaVersion, '1.1');
    assert.deepEqual(item.content.map((e) => `${e.Name} ${e.Version} ${e.Architecture}`).sort(), dpkg);
    const bash = item.content.find((e) => e.Name === 'bash')!;
    assert.match(bash.InstalledTime ?? '', /^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(bash.Publisher && bash.Summary);
  });

  test('AWS:Network lists the interfaces with their IPv4 addresses, without loopback', () => {
    const item = collectNetwork();
    assert.ok(!item.content.some((e) => e.Name === 'lo'));
    for (const [name, list] of Object.entries(os.networkInterfaces())) {
      const v4 = (list ?? []).filter((a) => a.family === 'IPv4' && !a.internal).map((a) => a.address);
      if (v4.length === 0) continue;
      assert.deepEqual(item.content.find((e) => e.Name === name)?.IPV4?.split(','), v4);
    }
  });

  test('AWS:InstanceDetailedInformation counts the CPUs of /proc/cpuinfo and tells the kernel and memory', () => {
    const [entry] = collectInstanceDetailedInformation().content;
    assert.equal(entry.CPUs, String(os.cpus().length));
    assert.equal(entry.KernelVersion, os.release());
    assert.equal(entry.MemoryMB, String(Math.round(Number(/^MemTotal:\s*(\d+)/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))![1]) / 1024)));
  });

  test('AWS:Service is a list (empty where systemd does not run), never an error', async () => {
    const item = await collectServices();
    assert.equal(item.typeName, 'AWS:Service');
    assert.ok(Array.isArray(item.content));
  });
});

describe('AWS:File', () => {
  test('collects the files matching the patterns, recursively when asked, with size and times', () => {
    const dir = temp();
    fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'one.conf'), '123');
    fs.writeFileSync(path.join(dir, 'a', 'b', 'two.conf'), '12345');
    fs.writeFileSync(path.join(dir, 'skip.txt'), 'x');
    const flat = collectFiles(parseFileQueries(JSON.stringify([{ Path: dir, Pattern: ['*.conf'], Recursive: false }])));
    assert.deepEqual(flat.content.map((e) => [e.Name, e.Size]), [['one.conf', '3']]);
    const deep = collectFiles(parseFileQueries([{ Path: dir, Pattern: ['*.conf', 'sk?p.*'], Recursive: true }]));
    assert.deepEqual(deep.content.map((e) => [e.Name, e.InstalledDir]).sort(), [['one.conf', dir], ['skip.txt', dir], ['two.conf', path.join(dir, 'a', 'b')]]);
    assert.match(deep.content[0].ModificationTime, /Z$/);
  });

  test('more files than FileLimit, or directories than DirScanLimit, fails instead of sending part of them', () => {
    const dir = temp();
    for (let i = 0; i < 5; i++) {
      fs.mkdirSync(path.join(dir, `d${i}`));
      fs.writeFileSync(path.join(dir, `d${i}`, 'f.log'), 'x');
    }
    assert.throws(() => collectFiles([{ Path: dir, Pattern: ['*.log'], Recursive: true, FileLimit: 4 }]), (e: unknown) => e instanceof FileInventoryError && /FileLimit \(4\)/.test(e.message));
    assert.throws(() => collectFiles([{ Path: dir, Pattern: ['*.log'], Recursive: true, DirScanLimit: 3 }]), /DirScanLimit \(3\)/);
    assert.equal(collectFiles([{ Path: dir, Pattern: ['*.log'], Recursive: true }]).content.length, 5);
  });

  test('a files parameter that is not a list of {Path, Pattern} is refused with what is wrong', () => {
    assert.throws(() => parseFileQueries('{'), /not JSON/);
    assert.throws(() => parseFileQueries('[{"Pattern":["*"]}]'), /files\[0\] has no Path/);
    assert.throws(() => parseFileQueries('[{"Path":"/tmp","Pattern":"*"}]'), /Pattern must be a list/);
    assert.deepEqual(parseFileQueries(''), []);
  });
});

describe('custom inventory', () => {
  test('reads one type per JSON file, an object or a list of entries, and skips bad files naming them', () => {
    const dir = temp();
    fs.writeFileSync(path.join(dir, 'rack.json'), JSON.stringify({ SchemaVersion: '1.0', TypeName: 'Custom:Rack', Content: { Rack: 'R1' } }));
    fs.writeFileSync(path.join(dir, 'disks.json'), JSON.stringify({ SchemaVersion: '2.1', TypeName: 'Custom:Disks', Content: [{ Dev: 'sda' }, { Dev: 'sdb' }] }));
    fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ SchemaVersion: '1.0', TypeName: 'AWS:Application', Content: {} }));
    fs.writeFileSync(path.join(dir, 'num.json'), JSON.stringify({ SchemaVersion: '1.0', TypeName: 'Custom:N', Content: { Count: 3 } }));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
    const custom = readCustomInventory(dir);
    assert.deepEqual(custom.items, [
      { typeName: 'Custom:Disks', schemaVersion: '2.1', content: [{ Dev: 'sda' }, { Dev: 'sdb' }] },
      { typeName: 'Custom:Rack', schemaVersion: '1.0', content: [{ Rack: 'R1' }] },
    ]);
    assert.equal(custom.problems.length, 2);
    assert.match(custom.problems.join('\n'), /bad\.json: TypeName must be Custom:<name>/);
    assert.match(custom.problems.join('\n'), /num\.json: Content\[0\]\.Count is not a string/);
    assert.deepEqual(readCustomInventory(path.join(dir, 'missing')), { items: [], problems: [] });
  });
});
