import { Injectable } from '@nestjs/common';
import {
  type NotificationKind,
  NotificationKind as Kinds,
  SupportedLanguage,
  valuesOf,
} from '@relaydesk/contracts';
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Who reads a message: the customer, or an agent or supervisor (staff share one wording). */
export type Audience = 'customer' | 'staff';

export interface RenderedMessage {
  language: string;
  subject: string;
  text: string;
  html: string;
}

type Strings = { [key: string]: string | Strings };

export const FALLBACK_LANGUAGE = 'en';
export const LANGUAGES: readonly string[] = valuesOf(SupportedLanguage);
export const KINDS: readonly NotificationKind[] = valuesOf(Kinds);

const TEMPLATES_DIR = __dirname;
/** Marks the lines of quoted text, whose leading spaces are kept when the layout's are removed. */
const VERBATIM = '\u0000';

/**
 * The language a customer is written to in: the classified language if we have a translation for it,
 * else the customer's locale (its primary subtag), else English.
 */
export function chooseLanguage(classified?: string | null, locale?: string | null): string {
  if (classified && LANGUAGES.includes(classified)) return classified;
  const primary = locale?.toLowerCase().split(/[-_]/)[0];
  if (primary && LANGUAGES.includes(primary)) return primary;
  return FALLBACK_LANGUAGE;
}

/** Flattened `section.key` → string of one language file. */
function flatten(strings: Strings, prefix = '', into = new Map<string, string>()): Map<string, string> {
  for (const [key, value] of Object.entries(strings)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') into.set(name, value);
    else flatten(value, name, into);
  }
  return into;
}

export function loadStrings(language: string): Map<string, string> {
  const file = path.join(TEMPLATES_DIR, 'i18n', `${language}.json`);
  return flatten(JSON.parse(readFileSync(file, 'utf8')) as Strings);
}

/** `{name}` placeholders; an unknown placeholder is left visible rather than silently dropped. */
function interpolate(template: string, values: Record<string, unknown>, show: (value: unknown) => string) {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    values[name] === undefined || values[name] === null ? whole : show(values[name]),
  );
}

function safeUrl(value: unknown): string {
  const url = typeof value === 'string' ? value : '';
  return /^https?:\/\//i.test(url) ? url : '#';
}

/**
 * Renders one kind of notification from its template file (`<kind>.hbs`) and the strings of a
 * language (`i18n/<lang>.json`, missing keys fall back to English). Each template is compiled twice:
 * for the HTML part every `{{value}}` and every interpolated placeholder is HTML-escaped; for the text
 * part nothing is, and the same block helpers print plain text.
 */
@Injectable()
export class TemplateRenderer {
  private readonly strings = new Map<string, Map<string, string>>();
  private readonly html = Handlebars.create();
  private readonly text = Handlebars.create();
  private readonly compiled = new Map<
    NotificationKind,
    { html: HandlebarsTemplateDelegate; text: HandlebarsTemplateDelegate }
  >();

  constructor() {
    const english = loadStrings(FALLBACK_LANGUAGE);
    for (const language of LANGUAGES) {
      const own = language === FALLBACK_LANGUAGE ? english : loadStrings(language);
      this.strings.set(language, new Map([...english, ...own]));
    }
    this.registerHelpers(this.html, true);
    this.registerHelpers(this.text, false);
    for (const kind of KINDS) {
      const source = readFileSync(path.join(TEMPLATES_DIR, `${kind}.hbs`), 'utf8');
      this.compiled.set(kind, {
        html: this.html.compile(source, { strict: false }),
        text: this.text.compile(source, { noEscape: true, strict: false }),
      });
    }
  }

  render(
    kind: NotificationKind,
    audience: Audience,
    language: string,
    variables: Record<string, unknown>,
  ): RenderedMessage {
    const lang = LANGUAGES.includes(language) ? language : FALLBACK_LANGUAGE;
    const template = this.compiled.get(kind);
    if (!template) throw new Error(`no template for ${kind}`);
    const data = { ...variables, lang, audience };
    const run = (delegate: HandlebarsTemplateDelegate, part: string) =>
      delegate({ ...data, part: `${audience}-${part}` });
    const subject = run(template.text, 'subject').replace(/\s+/g, ' ').trim();
    if (subject.length === 0) throw new Error(`${kind} has no ${audience} message`);
    const body = run(template.html, 'body').trim();
    const html =
      `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${Handlebars.escapeExpression(subject)}</title></head>` +
      `<body style="font-family:sans-serif;line-height:1.5;color:#222">${body}</body></html>`;
    // Template indentation is layout, not text; quoted lines (VERBATIM-marked) keep theirs.
    const text = run(template.text, 'body')
      .replace(/^[ \t]+/gm, '')
      .replaceAll(VERBATIM, '')
      .replace(/[ \t]+\n/g, '\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
    return { language: lang, subject, text: `${text}\n`, html };
  }

  /** The string of a key in a language (English when the language lacks it). */
  phrase(language: string, key: string): string {
    const value = this.strings.get(language)?.get(key) ?? this.strings.get(FALLBACK_LANGUAGE)?.get(key);
    if (value === undefined) throw new Error(`no string ${key}`);
    return value;
  }

  private readonly dateFormats = new Map<string, Intl.DateTimeFormat>();

  private dateFormat(language: string): Intl.DateTimeFormat {
    let format = this.dateFormats.get(language);
    if (!format) {
      format = new Intl.DateTimeFormat(language, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
      this.dateFormats.set(language, format);
    }
    return format;
  }

  private registerHelpers(hb: typeof Handlebars, html: boolean): void {
    const escape = html ? (value: string) => hb.escapeExpression(value) : (value: string) => value;
    const out = (value: string) => (html ? new hb.SafeString(value) : value);
    const blockBody = (options: Handlebars.HelperOptions, context: unknown) => String(options.fn(context));

    // {{t "section.key" name=value}}: a translated string with escaped placeholders.
    hb.registerHelper('t', (key: string, options: Handlebars.HelperOptions) => {
      const root = options.data as { root: { lang: string } };
      const values = options.hash as Record<string, unknown>;
      // A value another helper already rendered (a date) is not escaped twice.
      const show = (value: unknown) =>
        value instanceof hb.SafeString ? value.toString() : escape(String(value));
      return out(interpolate(escape(this.phrase(root.root.lang, key)), values, show));
    });
    // {{date iso}}: a date in the reader's language, in UTC (we do not know their time zone).
    hb.registerHelper('date', (value: unknown, options: Handlebars.HelperOptions) => {
      const root = options.data as { root: { lang: string } };
      const date = new Date(String(value));
      if (Number.isNaN(date.getTime())) return '';
      const formatted = this.dateFormat(root.root.lang).format(date);
      return out(escape(`${formatted} UTC`));
    });
    hb.registerHelper('p', function (this: unknown, options: Handlebars.HelperOptions) {
      const content = blockBody(options, this).trim();
      return out(html ? `<p>${content}</p>\n` : `${content}\n\n`);
    });
    // {{#quote}}...{{/quote}}: someone's own words (an agent's reply), line breaks kept.
    hb.registerHelper('quote', function (this: unknown, options: Handlebars.HelperOptions) {
      const content = blockBody(options, this).trim();
      return out(
        html
          ? `<blockquote style="margin:1em 0;padding-left:1em;border-left:3px solid #ccc">${content.replace(/\r?\n/g, '<br>\n')}</blockquote>\n`
          : `${content.replace(/^/gm, VERBATIM)}\n\n`,
      );
    });
    hb.registerHelper('link', (url: unknown, label: unknown) => {
      const href = safeUrl(url);
      // A label from {{t}} is rendered (and escaped) already; a raw one (an article title) is escaped here.
      const raw =
        typeof label === 'string' ? label : label instanceof hb.SafeString ? label.toString() : href;
      const text = html && !(label instanceof hb.SafeString) ? escape(raw) : raw;
      return out(html ? `<a href="${escape(href)}">${text}</a>` : `${text}: ${href}`);
    });
    hb.registerHelper('list', function (this: unknown, options: Handlebars.HelperOptions) {
      const content = blockBody(options, this);
      return out(html ? `<ul>\n${content}</ul>\n` : `${content}\n`);
    });
    hb.registerHelper('item', function (this: unknown, options: Handlebars.HelperOptions) {
      const content = blockBody(options, this).trim();
      return out(html ? `<li>${content}</li>\n` : `- ${content}\n`);
    });
    // {{#section "customer-body"}}: the part of a kind's template being rendered.
    hb.registerHelper('section', function (this: unknown, name: string, options: Handlebars.HelperOptions) {
      const root = options.data as { root: { part: string } };
      return root.root.part === name ? options.fn(this) : '';
    });
    hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    hb.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).map(String).join(''));
    // {{clockName clock}}: "first response" / "resolution" in the reader's language.
    hb.registerHelper('clockName', (clock: unknown, options: Handlebars.HelperOptions) => {
      const root = options.data as { root: { lang: string } };
      return out(escape(this.phrase(root.root.lang, `clock.${String(clock)}`)));
    });
    // {{greeting}}, {{signature}}: shared pieces (partials/*.hbs), rendered with the message's data.
    for (const piece of ['greeting', 'signature']) {
      const source = readFileSync(path.join(TEMPLATES_DIR, 'partials', `${piece}.hbs`), 'utf8');
      const template = hb.compile(source, html ? {} : { noEscape: true });
      hb.registerHelper(piece, (options: Handlebars.HelperOptions) => {
        const root = options.data as { root: unknown };
        return out(template(root.root));
      });
    }
  }
}
