/** Zendesk writes timestamps as ISO-8601 UTC with whole seconds and a `Z`; exports use epoch seconds. */

const DIGIT = 48;
const codes = new Array<number>(20);
const put2 = (at: number, n: number) => {
  codes[at] = DIGIT + Math.floor(n / 10);
  codes[at + 1] = DIGIT + (n % 10);
};

/**
 * Hand-rolled (Hinnant's civil-from-days) because generation formats millions of timestamps and
 * `Date#toISOString` plus a regex was the single largest cost of building a 100k-ticket account.
 * Built from char codes so the result is one flat string: a template literal would leave a rope of
 * ~10 pieces per timestamp, which multiplied the heap of a large account several times over.
 */
export function isoFromEpoch(epochSeconds: number): string {
  const s = Math.floor(epochSeconds);
  const days = Math.floor(s / 86_400);
  let rest = s - days * 86_400;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const seconds = rest - minutes * 60;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  put2(0, Math.floor(year / 100));
  put2(2, year % 100);
  codes[4] = 45; // -
  put2(5, month);
  codes[7] = 45;
  put2(8, day);
  codes[10] = 84; // T
  put2(11, hours);
  codes[13] = 58; // :
  put2(14, minutes);
  codes[16] = 58;
  put2(17, seconds);
  codes[19] = 90; // Z
  return String.fromCharCode.apply(null, codes);
}

export function epochFromIso(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

export const DAY = 86_400;
