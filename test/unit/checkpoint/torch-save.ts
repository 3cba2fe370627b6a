/**
 * A minimal `torch.save` for tests: a PyTorch ZIP checkpoint (archive/data.pkl + archive/data/<key>)
 * of nested dicts of float32 tensors, pickled (protocol 2) exactly as PyTorch does for contiguous CPU
 * tensors: torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict()).
 */
import type { HostTensor } from '../../../src/run-folder/tensors/host-tensor';
import { buildZip, type ZipInput } from './format-helpers';

export type TorchTree = { [key: string]: HostTensor | TorchTree };

const isTensor = (v: HostTensor | TorchTree): v is HostTensor =>
  'shape' in v && 'data' in v && Array.isArray((v as HostTensor).shape);

function unicode(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(b.length);
  return Buffer.concat([Buffer.from('X'), len, b]);
}

function int(n: number): Buffer {
  const b = Buffer.alloc(5);
  b[0] = 0x4a; // BININT
  b.writeInt32LE(n, 1);
  return b;
}

const tuple = (items: Buffer[]) => Buffer.concat([Buffer.from('('), ...items, Buffer.from('t')]);

export function torchSave(tree: TorchTree): Buffer {
  const storages: ZipInput[] = [];
  const pickleValue = (v: HostTensor | TorchTree): Buffer => {
    if (!isTensor(v)) {
      const items = Object.entries(v).flatMap(([k, x]) => [unicode(k), pickleValue(x)]);
      return Buffer.concat([Buffer.from('}('), ...items, Buffer.from('u')]);
    }
    const key = String(storages.length);
    const data = Float32Array.from(v.data as ArrayLike<number>);
    storages.push({ name: `archive/data/${key}`, data: new Uint8Array(data.buffer) });
    const strides = v.shape.map((_, i) => v.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    return Buffer.concat([
      Buffer.from('ctorch._utils\n_rebuild_tensor_v2\n('),
      tuple([
        unicode('storage'),
        Buffer.from('ctorch\nFloatStorage\n'),
        unicode(key),
        unicode('cpu'),
        int(data.length),
      ]),
      Buffer.from('Q'), // BINPERSID
      int(0),
      tuple(v.shape.map(int)),
      tuple(strides.map(int)),
      Buffer.from([0x89]), // False
      Buffer.from('ccollections\nOrderedDict\n)R'),
      Buffer.from('tR'),
    ]);
  };
  const pkl = Buffer.concat([Buffer.from([0x80, 0x02]), pickleValue(tree), Buffer.from('.')]);
  return buildZip([
    { name: 'archive/data.pkl', data: pkl },
    { name: 'archive/byteorder', data: Buffer.from('little') },
    ...storages,
    { name: 'archive/version', data: Buffer.from('3\n') },
  ]);
}
