import { AddressClass, checkDestination, classifyAddress, parseV6, Resolver } from './destination';

/** A resolver that must not be asked: literal addresses and `localhost` are judged without one. */
const noLookup: Resolver = () => Promise.reject(new Error('resolver asked'));
const resolvesTo =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

const strict = (resolve: Resolver = noLookup) => ({ allowPrivate: false, resolve });

describe('checkDestination refuses, before any connection, every address form that is not public', () => {
  // Each of these is refused with no resolver call and nothing to connect to: the check is all that runs.
  const refused: [string, AddressClass][] = [
    ['https://127.0.0.1/hook', 'loopback'],
    ['https://127.1/hook', 'loopback'],
    ['https://0x7f000001/hook', 'loopback'],
    ['https://2130706433/hook', 'loopback'],
    ['https://0177.0.0.1/hook', 'loopback'],
    ['https://0x7f.1/hook', 'loopback'],
    ['https://[::1]/hook', 'loopback'],
    ['https://[::ffff:127.0.0.1]/hook', 'loopback'],
    ['https://[::ffff:10.0.0.1]/hook', 'private'],
    ['https://[::ffff:a00:1]/hook', 'private'],
    ['https://[0:0:0:0:0:ffff:169.254.169.254]/hook', 'metadata'],
    ['https://[64:ff9b::10.0.0.1]/hook', 'private'],
    ['https://[2002:a00:1::]/hook', 'private'],
    ['https://10.0.0.1/hook', 'private'],
    ['https://172.16.5.4/hook', 'private'],
    ['https://192.168.1.1/hook', 'private'],
    ['https://100.64.0.1/hook', 'private'],
    ['https://169.254.169.254/latest/meta-data', 'metadata'],
    ['https://169.254.170.2/v2/credentials', 'metadata'],
    ['https://[fd00:ec2::254]/latest', 'metadata'],
    ['https://169.254.1.1/hook', 'link-local'],
    ['https://[fe80::1]/hook', 'link-local'],
    ['https://[fc00::1]/hook', 'unique-local'],
    ['https://[fd12:3456::1]/hook', 'unique-local'],
    ['https://224.0.0.1/hook', 'multicast'],
    ['https://[ff02::1]/hook', 'multicast'],
    ['https://0.0.0.0/hook', 'unspecified'],
    ['https://0/hook', 'unspecified'],
    ['https://[::]/hook', 'unspecified'],
    ['https://255.255.255.255/hook', 'reserved'],
    ['https://192.0.2.10/hook', 'reserved'],
    ['https://[2001:db8::1]/hook', 'reserved'],
    ['https://localhost/hook', 'loopback'],
    ['https://LOCALHOST./hook', 'loopback'],
    ['https://api.localhost/hook', 'loopback'],
  ];

  it.each(refused)('%s is refused as %s', async (url, kind) => {
    const checked = await checkDestination(url, strict());
    expect(checked).toEqual({ problem: expect.stringContaining(`a ${kind} address`) });
  });

  it('refuses a name whose (injected) resolution is private, without connecting: the check returns no destination', async () => {
    const asked: string[] = [];
    const resolve: Resolver = async (host) => {
      asked.push(host);
      return [{ address: '10.1.2.3', family: 4 }];
    };
    expect(await checkDestination('https://hooks.customer.example/agentry', strict(resolve))).toEqual({
      problem: 'the URL leads to 10.1.2.3, a private address; webhooks go to public addresses only',
    });
    expect(asked).toEqual(['hooks.customer.example']);
  });

  it('refuses a name with one private address among public ones (a connection could land on it)', async () => {
    expect(await checkDestination('https://mixed.example/hook', strict(resolvesTo('93.184.215.14', '::ffff:192.168.0.1')))).toEqual({ problem: expect.stringContaining('private') });
  });

  it('refuses a name that does not resolve, and one that resolves to nothing', async () => {
    expect(await checkDestination('https://nowhere.example/hook', strict(() => Promise.reject(new Error('ENOTFOUND'))))).toEqual({ problem: 'the host nowhere.example cannot be resolved' });
    expect(await checkDestination('https://empty.example/hook', strict(resolvesTo()))).toEqual({ problem: 'the host empty.example cannot be resolved' });
  });

  it('accepts a public name and pins the first address it resolved to', async () => {
    const checked = await checkDestination('https://hooks.example.com/agentry?x=1', strict(resolvesTo('93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c')));
    expect(checked).toEqual({ destination: { url: new URL('https://hooks.example.com/agentry?x=1'), address: '93.184.215.14', family: 4 } });
  });

  it('accepts public literal addresses of both families', async () => {
    expect(await checkDestination('https://8.8.8.8/', strict())).toMatchObject({ destination: { address: '8.8.8.8', family: 4 } });
    expect(await checkDestination('https://[2606:4700::1111]/', strict())).toMatchObject({ destination: { address: '2606:4700::1111', family: 6 } });
  });

  it('wants https, no credentials, at most 2,048 characters', async () => {
    expect(await checkDestination('http://8.8.8.8/', strict())).toEqual({ problem: 'must be an https URL' });
    expect(await checkDestination('ftp://8.8.8.8/', strict())).toEqual({ problem: 'must be an https URL' });
    expect(await checkDestination('https://user:pw@8.8.8.8/', strict())).toEqual({ problem: 'must not contain credentials' });
    expect(await checkDestination('not a url', strict())).toEqual({ problem: 'must be an absolute URL' });
    expect(await checkDestination(`https://8.8.8.8/${'a'.repeat(2048)}`, strict())).toEqual({ problem: 'must be at most 2048 characters' });
  });

  it('with allowPrivate, lets loopback and plain http through, and nothing else private', async () => {
    const local = { allowPrivate: true, resolve: noLookup };
    expect(await checkDestination('http://127.0.0.1:4567/hook', local)).toMatchObject({ destination: { address: '127.0.0.1' } });
    expect(await checkDestination('http://localhost:4567/hook', local)).toMatchObject({ destination: { address: '127.0.0.1' } });
    expect(await checkDestination('http://[::1]:4567/hook', local)).toMatchObject({ destination: { address: '::1', family: 6 } });
    expect(await checkDestination('http://10.0.0.1/hook', local)).toEqual({ problem: expect.stringContaining('private') });
    expect(await checkDestination('http://169.254.169.254/hook', local)).toEqual({ problem: expect.stringContaining('metadata') });
  });
});

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['2606:4700::1111', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['127.255.255.254', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['198.18.0.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['100::1', 'reserved'],
    ['fe80::1%eth0', 'reserved'],
    ['not-an-address', 'reserved'],
  ])('%s is %s', (address, kind) => expect(classifyAddress(address)).toBe(kind));
});

describe('parseV6', () => {
  it('reads compressed, full and dotted-tail forms into eight groups', () => {
    expect(parseV6('::')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseV6('::1')).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseV6('fd00:ec2::254')).toEqual([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254]);
    expect(parseV6('::ffff:10.0.0.1')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0a00, 1]);
    expect(parseV6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('refuses what is not an address', () => {
    for (const text of ['1::2::3', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', 'g::1', '::ffff:300.0.0.1']) expect(parseV6(text)).toBeNull();
  });
});
