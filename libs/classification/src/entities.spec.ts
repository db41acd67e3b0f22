import { extractEntities, parseNumber } from './entities';

const extract = (text: string, language = 'en') => extractEntities(text.normalize('NFKC'), language);

describe('extractEntities', () => {
  it('finds a tx hash and an address inside explorer URLs', () => {
    const hash = '0x54f73acc0c77652e30607ca6014ef3421f8fe72b92be6cc6e86f40951e12334f';
    const address = '0x23E8ca3698c191E2138CdF11462EAC1391cb2312';
    const e = extract(
      `see https://etherscan.io/tx/${hash} sent to https://etherscan.io/address/${address}?a=1`,
    );
    expect(e.txHashes).toEqual([hash]);
    expect(e.addresses).toEqual([{ value: address, kind: 'evm' }]);
  });

  it('recognises bitcoin, tron and solana addresses and bare 64-hex txids', () => {
    const e = extract(
      'TxID: 4614340574a5d2bd95d0f617fb6045d9879ba8ee09141ec6888f935a7684375a to bc1qd2kguq3cppn82fxpjjs57uuv0yd4uvlzytchsn, ' +
        'tron TANmPVwWGAnANGKk4uYYgwBbQfKJB3WRRi and solana 7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV',
    );
    expect(e.txHashes).toEqual(['4614340574a5d2bd95d0f617fb6045d9879ba8ee09141ec6888f935a7684375a']);
    expect(e.addresses).toEqual([
      { value: 'bc1qd2kguq3cppn82fxpjjs57uuv0yd4uvlzytchsn', kind: 'bitcoin' },
      { value: 'TANmPVwWGAnANGKk4uYYgwBbQfKJB3WRRi', kind: 'tron' },
      { value: '7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV', kind: 'solana' },
    ]);
  });

  it('does not take long ordinary words for addresses', () => {
    expect(
      extract(
        'Unfortunately the internationalization of the customersupportexperience is incomprehensibly bad',
      ).addresses,
    ).toEqual([]);
  });

  it('reads amounts with thousands separators, European decimals, full-width digits and 万円', () => {
    const e = extract(
      'Sent 25,000 USDT, then 1.234,56 € and １，０００ 円, about 80万円 total, plus $500 and 0,35 ETH',
      'es',
    );
    expect(e.amounts).toEqual([
      { value: 25000, unit: 'USDT', text: '25,000 USDT' },
      { value: 1234.56, unit: 'EUR', text: '1.234,56 €' },
      { value: 1000, unit: 'JPY', text: '1,000 円' },
      { value: 800000, unit: 'JPY', text: '80万円' },
      { value: 500, unit: 'USD', text: '$500' },
      { value: 0.35, unit: 'ETH', text: '0,35 ETH' },
    ]);
  });

  it('finds assets by symbol, pair and name, and networks', () => {
    const e = extract(
      'BTCUSDT perp, some ビットコイン and ETH/USDT, sent via TRC-20 then Arbitrum; et ton compte',
    );
    expect(e.assets).toEqual(expect.arrayContaining(['BTC', 'USDT', 'ETH']));
    expect(e.assets).not.toContain('TON');
    expect(e.networks).toEqual(['TRC20', 'Arbitrum']);
  });

  it('finds order ids and withdrawal ids in several languages', () => {
    const e = extract(
      'order id 60412259871, 注文番号: P2P-20250306-118274, 出金ID: W250219003471, ID de retiro: WD-77342019',
    );
    expect(e.orderIds).toEqual(['60412259871', 'P2P-20250306-118274']);
    expect(e.withdrawalIds).toEqual(['W250219003471', 'WD-77342019']);
  });
});

describe('parseNumber', () => {
  it.each([
    ['25,000', 'en', 25000],
    ['1.5', 'en', 1.5],
    ['5.000.000', 'id', 5000000],
    ['2.000', 'es', 2000],
    ['0,8', 'vi', 0.8],
    ['1,234.56', 'en', 1234.56],
    ['15 000', 'fr', 15000],
  ])('%s (%s) = %d', (raw, language, value) => {
    expect(parseNumber(raw, language)).toBe(value);
  });
});
