import type { z } from 'zod';
import type { entitiesSchema } from '@relaydesk/contracts';

export type Entities = z.infer<typeof entitiesSchema>;

const B58 = '1-9A-HJ-NP-Za-km-z';
const EVM_TX_RE = /0x[0-9a-fA-F]{64}(?![0-9a-fA-F])/g;
const HEX64_RE = /(?<![0-9a-zA-Z])[0-9a-fA-F]{64}(?![0-9a-zA-Z])/g;
const SOLANA_SIG_RE = new RegExp(`(?<![${B58}])[${B58}]{86,88}(?![${B58}])`, 'g');
const EVM_ADDRESS_RE = /0x[0-9a-fA-F]{40}(?![0-9a-fA-F])/g;
const BECH32_RE = /(?<![0-9a-zA-Z])bc1[02-9ac-hj-np-z]{11,71}(?![0-9a-zA-Z])/g;
const BTC_LEGACY_RE = new RegExp(`(?<![${B58}])[13][${B58}]{25,34}(?![${B58}])`, 'g');
const TRON_RE = new RegExp(`(?<![${B58}])T[${B58}]{33}(?![${B58}])`, 'g');
const SOLANA_ADDRESS_RE = new RegExp(`(?<![${B58}])[${B58}]{32,44}(?![${B58}])`, 'g');

/** Symbols that are also ordinary words (French "ton", Spanish "sol") count only in capitals. */
const CASE_SENSITIVE_ASSETS = new Set([
  'SOL',
  'TON',
  'DOT',
  'ADA',
  'OP',
  'ARB',
  'LINK',
  'ATOM',
  'NEAR',
  'APT',
  'SUI',
  'KAS',
  'PEPE',
  'TRUMP',
]);
const ASSETS = new Set([
  'BTC',
  'ETH',
  'USDT',
  'USDC',
  'TRX',
  'BNB',
  'XRP',
  'DOGE',
  'LTC',
  'MATIC',
  'POL',
  'SHIB',
  'AVAX',
  'DAI',
  'FDUSD',
  'BCH',
  'ETC',
  'XLM',
  'FIL',
  'WBTC',
  ...CASE_SENSITIVE_ASSETS,
]);
const QUOTES = ['USDT', 'USDC', 'BTC', 'ETH', 'JPY', 'USD', 'EUR', 'KRW'];
const ASSET_NAMES: [RegExp, string][] = [
  [/bitcoin|ビットコイン|比特币|比特幣|비트코인|биткоин/i, 'BTC'],
  [/ethereum|イーサリアム|以太坊|이더리움|эфириум/i, 'ETH'],
  [/tether|テザー|泰达币|테더/i, 'USDT'],
  [/ripple|リップル|瑞波/i, 'XRP'],
  [/solana|ソラナ|솔라나/i, 'SOL'],
  [/dogecoin|ドージコイン|狗狗币|도지코인/i, 'DOGE'],
  [/litecoin|ライトコイン|莱特币/i, 'LTC'],
];

const NETWORKS: [RegExp, string][] = [
  [/(?<![a-z0-9])erc-?20(?![0-9])/i, 'ERC20'],
  [/(?<![a-z0-9])trc-?20(?![0-9])|(?<![a-z])tron(?![a-z])|トロン|트론|波场/i, 'TRC20'],
  [/(?<![a-z0-9])bep-?20(?![0-9])|(?<![a-z])bsc(?![a-z])|bnb smart chain/i, 'BEP20'],
  [/(?<![a-z0-9])bep-?2(?![0-9])/i, 'BEP2'],
  [/(?<![a-z])solana(?![a-z])|(?<![a-z])spl(?![a-z])/i, 'Solana'],
  [/arbitrum/i, 'Arbitrum'],
  [/optimism/i, 'Optimism'],
  [/polygon/i, 'Polygon'],
  [/lightning|ライトニング/i, 'Lightning'],
  [/avalanche|c-chain/i, 'Avalanche'],
  [/(?<![a-z])base (?:chain|network)/i, 'Base'],
];

const FIAT_SUFFIX: [RegExp, string, number][] = [
  [/^\s?万円/, 'JPY', 10_000],
  [/^\s?円/, 'JPY', 1],
  [/^\s?元/, 'CNY', 1],
  [/^\s?원/, 'KRW', 1],
  [/^\s?€/, 'EUR', 1],
  [/^\s?(?:juta)(?![a-z])/i, 'IDR', 1_000_000],
];
const CODE_SUFFIX_RE = /^\s?([A-Za-z]{2,6})(?![A-Za-z])/;
const FIAT_CODES = new Set([
  'JPY',
  'USD',
  'EUR',
  'KRW',
  'GBP',
  'CNY',
  'BRL',
  'IDR',
  'TRY',
  'RUB',
  'VND',
  'AUD',
  'CAD',
  'CHF',
  'SGD',
  'HKD',
  'TWD',
  'INR',
  'MXN',
]);
const PREFIX_UNITS: [string, string][] = [
  ['R$', 'BRL'],
  ['US$', 'USD'],
  ['$', 'USD'],
  ['€', 'EUR'],
  ['¥', 'JPY'],
  ['£', 'GBP'],
  ['₩', 'KRW'],
  ['₫', 'VND'],
  ['Rp', 'IDR'],
];
// Grouped thousands ("25,000", "5.000.000", "15 000") or a plain number with an optional decimal part.
const NUMBER_RE =
  /(?<![\p{L}\p{N}.,])(\d{1,3}(?:(?:,\d{3})+|(?:\.\d{3})+|(?:[  ]\d{3})+)(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?![\p{N}])/gu;
const DECIMAL_COMMA_LANGUAGES = new Set(['de', 'es', 'pt', 'fr', 'id', 'tr', 'vi', 'ru', 'it', 'nl']);

const ORDER_ID_RE =
  /(?:order\s*(?:id|no\.?|number|#)|注文(?:id|番号)|订单号|訂單號|주문\s*번호|номер\s+ордера|id\s+(?:de\s+)?(?:la\s+)?orden|número\s+(?:de\s+)?(?:la\s+)?orden|n[°º]\s*(?:de\s+)?ordre|mã\s+lệnh(?!\s+rút))\s*[:：#]?\s*([A-Za-z0-9][A-Za-z0-9-]{5,39})/giu;
const WITHDRAWAL_ID_RE =
  /(?:withdrawal\s*(?:id|no\.?|number|#)|withdraw\s*id|出金id|出金番号|提现id|提币id|출금\s*id|id\s+de\s+retiro|id\s+de\s+retrait|id\s+(?:de\s+)?saque|mã\s+lệnh\s+rút|id\s+penarikan)\s*[:：#]?\s*([A-Za-z0-9][A-Za-z0-9-]{3,39})/giu;
const WITHDRAWAL_ID_SHAPE_RE = /(?<![A-Za-z0-9-])(WD?-?\d{6,})(?![A-Za-z0-9])/g;

function unique<T>(items: T[], key: (item: T) => string = String): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const all = (text: string, re: RegExp): string[] => [...text.matchAll(re)].map((m) => m[1] ?? m[0]);

function extractTxHashes(text: string): string[] {
  return unique([...all(text, EVM_TX_RE), ...all(text, HEX64_RE), ...all(text, SOLANA_SIG_RE)]);
}

/** A base58 run is a Solana address only if it looks random: digits and both cases, which words never have. */
function looksRandom(token: string): boolean {
  return /\d/.test(token) && /[a-z]/.test(token) && /[A-Z]/.test(token);
}

function extractAddresses(text: string, txHashes: Set<string>): Entities['addresses'] {
  const found: Entities['addresses'] = [];
  const taken = new Set<string>(txHashes);
  const take = (value: string, kind: string) => {
    if (taken.has(value)) return;
    taken.add(value);
    found.push({ value, kind });
  };
  for (const v of all(text, EVM_ADDRESS_RE)) take(v, 'evm');
  for (const v of all(text, BECH32_RE)) take(v, 'bitcoin');
  for (const v of all(text, TRON_RE)) if (looksRandom(v)) take(v, 'tron');
  for (const v of all(text, BTC_LEGACY_RE)) if (looksRandom(v)) take(v, 'bitcoin');
  for (const v of all(text, SOLANA_ADDRESS_RE)) {
    if (looksRandom(v) && ![...taken].some((t) => t.includes(v))) take(v, 'solana');
  }
  return found;
}

// Only whole words that are a symbol or a symbol followed by a quote can name an asset: matching just
// those skips the per-word work for every other word of the text.
const ASSET_TOKEN_RE = new RegExp(
  `(?<![A-Za-z0-9])\\$?((?:${[...ASSETS].sort((a, b) => b.length - a.length).join('|')})(?:${QUOTES.join('|')})?)(?![A-Za-z])`,
  'gi',
);

function extractAssets(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(ASSET_TOKEN_RE)) {
    const token = m[1];
    const upper = token.toUpperCase();
    const ok = (symbol: string, raw: string) =>
      ASSETS.has(symbol) && (!CASE_SENSITIVE_ASSETS.has(symbol) || raw === symbol);
    if (ok(upper, token)) {
      found.push(upper);
      continue;
    }
    // Trading pairs written together: BTCUSDT, SOLUSDT, ETHJPY.
    const quote = QUOTES.find((q) => upper.endsWith(q) && upper.length > q.length);
    if (quote && token === upper) {
      const base = upper.slice(0, -quote.length);
      if (ok(base, base)) found.push(base, ...(ASSETS.has(quote) ? [quote] : []));
    }
  }
  for (const [re, symbol] of ASSET_NAMES) if (re.test(text)) found.push(symbol);
  return unique(found);
}

function extractNetworks(text: string): string[] {
  return NETWORKS.filter(([re]) => re.test(text)).map(([, name]) => name);
}

/** Reads "25,000", "1.234,56", "5.000.000", "0,35" and "15 000" by the shape of the separators. */
export function parseNumber(raw: string, language: string): number {
  const s = raw.replace(/[  ]/g, '');
  const lastComma = s.lastIndexOf(',');
  const lastDot = s.lastIndexOf('.');
  if (lastComma >= 0 && lastDot >= 0) {
    const decimal = lastComma > lastDot ? ',' : '.';
    const thousands = decimal === ',' ? '.' : ',';
    return Number(s.split(thousands).join('').replace(decimal, '.'));
  }
  const sep = lastComma >= 0 ? ',' : lastDot >= 0 ? '.' : '';
  if (!sep) return Number(s);
  const groups = s.split(sep);
  const grouped = groups.length > 1 && groups.slice(1).every((g) => g.length === 3);
  const thousands = grouped && (groups.length > 2 || sep === ',' || DECIMAL_COMMA_LANGUAGES.has(language));
  return thousands ? Number(groups.join('')) : Number(s.replace(',', '.'));
}

function extractAmounts(text: string, language: string): Entities['amounts'] {
  const found: Entities['amounts'] = [];
  for (const m of text.matchAll(NUMBER_RE)) {
    const raw = m[1];
    const start = m.index;
    const end = start + m[0].length;
    const before = text.slice(Math.max(0, start - 3), start);
    const after = text.slice(end, end + 8);
    let unit: string | undefined;
    let multiplier = 1;
    let textStart = start;
    let textEnd = end;
    const prefix = PREFIX_UNITS.find(([sym]) => before.trimEnd().endsWith(sym));
    if (prefix) {
      unit = prefix[1];
      textStart = start - (before.length - before.trimEnd().length) - prefix[0].length;
    }
    const fiat = FIAT_SUFFIX.find(([re]) => re.test(after));
    if (!unit && fiat) {
      unit = fiat[1];
      multiplier = fiat[2];
      textEnd = end + (after.match(fiat[0])?.[0].length ?? 0);
    }
    const code = after.match(CODE_SUFFIX_RE);
    if (!unit && code) {
      const upper = code[1].toUpperCase();
      const isAsset = ASSETS.has(upper) && (!CASE_SENSITIVE_ASSETS.has(upper) || code[1] === upper);
      if (isAsset || FIAT_CODES.has(upper)) {
        unit = upper;
        textEnd = end + code[0].length;
      }
    }
    if (!unit) continue;
    const value = parseNumber(raw, language) * multiplier;
    if (Number.isFinite(value)) found.push({ value, unit, text: text.slice(textStart, textEnd) });
  }
  return found;
}

// Every hash and address pattern matches inside one run of ASCII letters and digits (their look-arounds
// only check letters and digits), and the shortest (bech32) is 14 long.
const LONG_RUN_RE = /[0-9A-Za-z]{14,}/g;

/**
 * The long alphanumeric runs of a text, space-separated: hashes and addresses are searched there
 * instead of in the whole text (same matches, a fraction of the scanning), or not at all when a
 * text has none, which is most texts.
 */
function longRuns(text: string): string {
  const runs = text.match(LONG_RUN_RE);
  return runs ? runs.join(' ') : '';
}

/** Entities an agent needs at hand. Expects NFKC text, so full-width digits arrive as ASCII. */
export function extractEntities(nfkcText: string, language: string): Entities {
  const runs = longRuns(nfkcText);
  const txHashes = runs ? extractTxHashes(runs) : [];
  return {
    txHashes,
    addresses: runs ? extractAddresses(runs, new Set(txHashes)) : [],
    assets: extractAssets(nfkcText),
    networks: extractNetworks(nfkcText),
    amounts: extractAmounts(nfkcText, language),
    orderIds: unique(all(nfkcText, ORDER_ID_RE)),
    withdrawalIds: unique([...all(nfkcText, WITHDRAWAL_ID_RE), ...all(nfkcText, WITHDRAWAL_ID_SHAPE_RE)]),
  };
}
