/** The load shapes: who connects, who sends to whom, and what a fixed rate means for each. */
import type { ClientSpec, Protocol } from './clients';
import type { WorkerClient } from './messages';

export type ShapeName = 'fan-in' | 'pairs' | 'broadcast';
export const SHAPES: ShapeName[] = ['fan-in', 'pairs', 'broadcast'];

export const SHAPE_LABELS: Record<ShapeName, string> = {
  'fan-in': 'fan-in 100 to 1',
  pairs: '50 device pairs',
  broadcast: 'broadcast to 100',
};

export interface ShapePlan {
  publishers: WorkerClient[];
  receivers: WorkerClient[];
  /** Receivers per message (the in-flight window and the fixed rate count deliveries). */
  fanout: number;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Device ids (HyperTCP) / client ids (MQTT) of a shape, publishers first. */
export function shapeIds(shape: ShapeName): { publishers: string[]; receivers: string[] } {
  const range = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));
  if (shape === 'fan-in') return { publishers: range(100, (i) => `pub-${pad(i, 3)}`), receivers: ['sink'] };
  if (shape === 'pairs') return { publishers: range(50, (i) => `a-${pad(i, 2)}`), receivers: range(50, (i) => `b-${pad(i, 2)}`) };
  return { publishers: ['caster'], receivers: range(100, (i) => `rx-${pad(i, 3)}`) };
}

export function planShape(shape: ShapeName, protocol: Protocol, port: number, tokens: Record<string, string>, qos: 0 | 1 = 0): ShapePlan {
  const ids = shapeIds(shape);
  const fanout = shape === 'broadcast' ? ids.receivers.length : 1;
  const base = (id: string): ClientSpec => ({ protocol, port, id, token: tokens[id], ...(protocol === 'mqtt' ? { qos } : {}) });
  const target = (i: number): string => {
    if (shape === 'fan-in') return protocol === 'hypertcp' ? 'sink' : 'bench/sink';
    if (shape === 'pairs') return protocol === 'hypertcp' ? ids.receivers[i]! : `bench/pair/${i}`;
    return protocol === 'hypertcp' ? 'broadcast' : 'bench/bcast';
  };
  const subscription = (i: number): string | undefined => {
    if (protocol === 'hypertcp') return undefined;
    return shape === 'fan-in' ? 'bench/sink' : shape === 'pairs' ? `bench/pair/${i}` : 'bench/bcast';
  };
  return {
    fanout,
    publishers: ids.publishers.map((id, i) => ({ ...base(id), sendTo: target(i), src: i, fanout })),
    receivers: ids.receivers.map((id, i) => ({ ...base(id), subscribe: subscription(i) })),
  };
}

/** Per-publisher send rate so that receivers get `deliveredPerSecond` in total. */
export function perPublisherRate(plan: ShapePlan, deliveredPerSecond: number): number {
  return deliveredPerSecond / (plan.publishers.length * plan.fanout);
}
