/**
 * A one-node ONNX graph, Gemm(queries, base^T), written as protobuf bytes here so no model file has to
 * be fetched. ONNX Runtime's CPU GEMM runs ~45 GMAC/s on one core of this machine against
 * ~1.1 for the best typed-array loop, which is what makes exact nearest neighbours over 100,000 faces
 * affordable on every clustering run (docs/people.md).
 */

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;
const ELEM_FLOAT = 1;
const ATTR_INT = 2;

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

const fieldInt = (field: number, v: number) => [...varint(field * 8 + WIRE_VARINT), ...varint(v)];
const fieldBytes = (field: number, b: readonly number[]) => [...varint(field * 8 + WIRE_BYTES), ...varint(b.length), ...b];
const fieldString = (field: number, s: string) => fieldBytes(field, Array.from(new TextEncoder().encode(s)));

type Dim = string | number;

function valueInfo(name: string, elemType: number, dims: Dim[]): number[] {
  const shape = dims.flatMap((d) => fieldBytes(1, typeof d === 'number' ? fieldInt(1, d) : fieldString(2, d)));
  const tensorType = [...fieldInt(1, elemType), ...fieldBytes(2, shape)];
  return [...fieldString(1, name), ...fieldBytes(2, fieldBytes(1, tensorType))];
}

function node(inputs: string[], outputs: string[], op: string, intAttrs: Record<string, number> = {}): number[] {
  const attrs = Object.entries(intAttrs).flatMap(([k, v]) => fieldBytes(5, [...fieldString(1, k), ...fieldInt(3, v), ...fieldInt(20, ATTR_INT)]));
  return [...inputs.flatMap((s) => fieldString(1, s)), ...outputs.flatMap((s) => fieldString(2, s)), ...fieldString(4, op), ...attrs];
}

/** Inputs q [m, d], b [n, d] (float); output s [m, n] = q b^T. */
export function gemmModelBytes(): Uint8Array {
  const graph = [
    ...fieldBytes(1, node(['q', 'b'], ['s'], 'Gemm', { transB: 1 })),
    ...fieldString(2, 'sims'),
    ...fieldBytes(11, valueInfo('q', ELEM_FLOAT, ['m', 'd'])),
    ...fieldBytes(11, valueInfo('b', ELEM_FLOAT, ['n', 'd'])),
    ...fieldBytes(12, valueInfo('s', ELEM_FLOAT, ['m', 'n'])),
  ];
  const opset = [...fieldString(1, ''), ...fieldInt(2, 13)];
  return new Uint8Array([...fieldInt(1, 8), ...fieldBytes(8, opset), ...fieldBytes(7, graph)]);
}
