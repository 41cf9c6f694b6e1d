import { describe, expect, it } from 'vitest';
import { parseShellArgs } from './args';

describe('desktop app switches', () => {
  it('reads the data folder and the broker port', () => {
    expect(parseShellArgs(['/usr/bin/hypertcp-panel', '.', '--hypertcp-data=/tmp/x', '--tcp-port=0'])).toEqual({ dataDir: '/tmp/x', tcpPort: 0 });
  });

  it('ignores everything else and bad values', () => {
    expect(parseShellArgs(['--tcp-port=65536', '--tcp-port=-1', '--tcp-port=80a', '--hypertcp-data=', '--no-sandbox', '--tcp-port'])).toEqual({});
  });
});
