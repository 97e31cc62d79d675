/**
 * The simple JSONPaths of `serverSideApply.ignoreFields[].jsonPaths`: a
 * leading `.`, then field names (`.spec.replicas`), quoted keys for names
 * with dots or slashes (`.metadata.labels['example.com/a']`, also with
 * double quotes) and list indexes (`.spec.containers[0].image`). No
 * wildcards or filters: each path names one field. Paths are returned as the
 * segments packages/apply/src/diff.ts walks (`holds`, `formatPath`).
 *
 * Hand-written: the JSONPath libraries on npm evaluate queries over a
 * document; here a path must also be set and removed in another document,
 * and matched against managedFields, which needs the segments themselves.
 */

export type Segment = { key: string } | { index: number };

export class JsonPathError extends Error {
  override readonly name = "JsonPathError";
}

const NAME = /^[^.[\]'"\s]+/;

/** The segments of `path`; throws a JsonPathError naming the position of what it cannot read. */
export function parseJsonPath(path: string): Segment[] {
  if (!path.startsWith(".") || path.length < 2) throw new JsonPathError(`"${path}": a path starts with "." and names a field (".spec.replicas")`);
  const out: Segment[] = [];
  let i = 0;
  while (i < path.length) {
    if (path[i] === ".") {
      const m = NAME.exec(path.slice(i + 1));
      if (!m) throw new JsonPathError(`"${path}": a field name is expected at position ${i + 1}`);
      out.push({ key: m[0] });
      i += 1 + m[0].length;
      continue;
    }
    if (path[i] === "[") {
      const q = path[i + 1];
      if (q === "'" || q === '"') {
        let key = "";
        let j = i + 2;
        for (; j < path.length && path[j] !== q; j++) {
          if (path[j] === "\\" && j + 1 < path.length) j++;
          key += path[j];
        }
        if (path[j] !== q || path[j + 1] !== "]") throw new JsonPathError(`"${path}": unterminated quoted key at position ${i}`);
        out.push({ key });
        i = j + 2;
        continue;
      }
      const m = /^\[(\d+)\]/.exec(path.slice(i));
      if (!m) throw new JsonPathError(`"${path}": a list index ([0]) or a quoted key (['a.b']) is expected at position ${i}`);
      out.push({ index: Number(m[1]) });
      i += m[0].length;
      continue;
    }
    throw new JsonPathError(`"${path}": unexpected "${path[i]}" at position ${i}`);
  }
  return out;
}

type Json = unknown;

function child(node: Json, seg: Segment): { found: boolean; value: Json } {
  if ("key" in seg) {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return { found: false, value: undefined };
    const o = node as Record<string, Json>;
    return Object.prototype.hasOwnProperty.call(o, seg.key) ? { found: true, value: o[seg.key] } : { found: false, value: undefined };
  }
  if (!Array.isArray(node) || seg.index >= node.length) return { found: false, value: undefined };
  return { found: true, value: node[seg.index] };
}

/** The value at `path` in `doc`, and whether it is there at all. */
export function getPath(doc: Json, path: readonly Segment[]): { found: boolean; value: Json } {
  let cur: { found: boolean; value: Json } = { found: true, value: doc };
  for (const seg of path) {
    cur = child(cur.value, seg);
    if (!cur.found) return cur;
  }
  return cur;
}

/**
 * Sets `path` in `doc` (mutated) to `value`, creating the maps on the way. False when it cannot
 * (a list too short, or a value that is not a map or list where the path goes through).
 */
export function setPath(doc: Record<string, Json>, path: readonly Segment[], value: Json): boolean {
  if (path.length === 0) return false;
  let node: Json = doc;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if ("key" in seg) {
      if (node === null || typeof node !== "object" || Array.isArray(node)) return false;
      const o = node as Record<string, Json>;
      if (last) {
        o[seg.key] = structuredClone(value);
        return true;
      }
      if (o[seg.key] === undefined || o[seg.key] === null) o[seg.key] = "index" in path[i + 1]! ? [] : {};
      node = o[seg.key];
    } else {
      if (!Array.isArray(node) || seg.index >= node.length) return false;
      if (last) {
        node[seg.index] = structuredClone(value);
        return true;
      }
      node = node[seg.index];
    }
  }
  return false;
}

/** Removes the field at `path` from `doc` (mutated); a list element is not removed (false). */
export function deletePath(doc: Record<string, Json>, path: readonly Segment[]): boolean {
  const last = path[path.length - 1];
  if (last === undefined || !("key" in last)) return false;
  const parent = getPath(doc, path.slice(0, -1));
  if (!parent.found || parent.value === null || typeof parent.value !== "object" || Array.isArray(parent.value)) return false;
  const o = parent.value as Record<string, Json>;
  if (!Object.prototype.hasOwnProperty.call(o, last.key)) return false;
  delete o[last.key];
  return true;
}
