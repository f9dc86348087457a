import { parsePath, pathProblem, readPath } from './path';

const body = {
  'detail-type': 'Scan',
  alert: { id: 7, rule: { id: 'r1' }, tags: ['a', 'b'] },
  findings: [{ title: 'first' }, { title: 'second' }],
  labels: { 'app.kubernetes.io/name': 'api', "it's": 'quoted' },
  matrix: [[1, 2], [3, 4]],
};
const read = (p: string) => {
  const segments = parsePath(p);
  if (!Array.isArray(segments)) throw new Error(segments.error);
  return readPath(body, segments);
};

describe('field paths', () => {
  test.each([
    ['alert.id', 7],
    ['alert.rule.id', 'r1'],
    ['alert.tags[1]', 'b'],
    ['findings[0].title', 'first'],
    ['$.findings[1].title', 'second'],
    ['detail-type', 'Scan'],
    ['labels["app.kubernetes.io/name"]', 'api'],
    ["labels['it\\'s']", 'quoted'],
    ['matrix[1][0]', 3],
    ['$["detail-type"]', 'Scan'],
  ])('%s reads %p', (path, value) => {
    expect(read(path)).toEqual(value);
  });

  test.each(['alert.missing', 'alert.id.deeper', 'findings[9].title', 'findings.title', 'alert[0]', 'alert.tags.0'])(
    '%s reads nothing, without throwing',
    (path) => expect(read(path)).toBeUndefined(),
  );

  test('only own properties are read: no path reaches Object.prototype', () => {
    for (const p of ['constructor', 'alert.toString', '__proto__', 'alert.__proto__.constructor', 'findings.length']) {
      expect(read(p)).toBeUndefined();
    }
  });

  test.each([
    ['', 'empty path'],
    ['a..b', 'a name must follow the "." at position 1'],
    ['a.', 'a name must follow the "." at position 1'],
    ['.a', 'unexpected "." at position 0'],
    ['a[x]', 'unexpected "[" at position 1'],
    ['a[0', 'unexpected "[" at position 1'],
    ['a["b]', 'unexpected "[" at position 1'],
    ['a[0]b', 'unexpected "b" at position 4'],
    ['a b', 'unexpected " " at position 1'],
    ['$.', 'empty path'],
  ])('%p is rejected: %s', (path, reason) => {
    expect(parsePath(path)).toEqual({ error: reason });
    expect(pathProblem(path)).toBe(`invalid path ${JSON.stringify(path)}: ${reason}`);
  });

  test('valid paths have no problem', () => {
    expect(pathProblem('a.b[0]["c d"]')).toBeUndefined();
  });
});
