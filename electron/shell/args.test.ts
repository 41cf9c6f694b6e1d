import { describe, expect, it } from 'vitest';
import { parseShellArgs } from './args';

describe('desktop app switches', () => {
  it('reads the data folder, the broker port and the broker address, with = or as the next argument', () => {
    expect(parseShellArgs(['/usr/bin/hypertcp-panel', '.', '--hypertcp-data=/tmp/x', '--tcp-port=0', '--broker-bind=127.0.0.1'])).toEqual({ dataDir: '/tmp/x', tcpPort: 0, brokerBind: '127.0.0.1', problems: [] });
    expect(parseShellArgs(['hypertcp-panel', '--tcp-port', '8081', '--broker-bind', '::'])).toEqual({ tcpPort: 8081, brokerBind: '::', problems: [] });
    expect(parseShellArgs(['hypertcp-panel', '--broker-bind', '192.168.1.20', '--no-sandbox'])).toEqual({ brokerBind: '192.168.1.20', problems: [] });
  });

  it('ignores switches that are not ours', () => {
    expect(parseShellArgs(['/usr/bin/hypertcp-panel', '--no-sandbox', '--ozone-platform-hint=auto', '-psn_0_1234', 'file.txt'])).toEqual({ problems: [] });
  });

  it('says what is wrong with a bad value of ours instead of dropping it', () => {
    const { problems, ...taken } = parseShellArgs(['--tcp-port=65536', '--tcp-port=80a', '--broker-bind=lab-pc.local', '--broker-bind=300.1.1.1', '--hypertcp-data=', '--broker-bind', '--tcp-port']);
    expect(taken).toEqual({});
    expect(problems).toEqual([
      '--tcp-port needs a port number from 0 to 65535 (0: any free port), not "65536"',
      '--tcp-port needs a port number from 0 to 65535 (0: any free port), not "80a"',
      '--broker-bind needs an IP address of this computer, such as 0.0.0.0 (every network, the default) or 127.0.0.1 (this computer only), not "lab-pc.local"',
      '--broker-bind needs an IP address of this computer, such as 0.0.0.0 (every network, the default) or 127.0.0.1 (this computer only), not "300.1.1.1"',
      '--hypertcp-data needs a value, e.g. --hypertcp-data=/path/to/folder',
      '--broker-bind needs a value, e.g. --broker-bind=127.0.0.1',
      '--tcp-port needs a value, e.g. --tcp-port=8081',
    ]);
  });
});
