import { Faker, base, en } from '@faker-js/faker';

/**
 * Realistic strings drawn once from a seeded faker, then picked by index. Drawing 100k+ records
 * straight from faker is slow; pools keep generation fast while every value still comes from faker
 * (plus hand-picked unicode samples that faker's English locale never produces).
 */
export interface TextPools {
  firstNames: string[];
  lastNames: string[];
  companies: string[];
  domains: string[];
  subjects: string[];
  paragraphs: string[];
  sentences: string[];
  words: string[];
  phones: string[];
  userAgents: string[];
  ips: string[];
  places: Array<{ location: string; latitude: number; longitude: number }>;
  /** Request contexts (client, IP, location) of ticket events and comments. */
  systems: Array<{ client: string; ip_address: string; location: string; latitude: number; longitude: number }>;
  fileNames: Array<{ name: string; type: string; image: boolean }>;
}

/** Names, subjects and bodies with scripts, emoji and combining marks a sync must carry intact. */
export const UNICODE_NAMES = [
  'José Müller',
  'Zoë Łukasiewicz',
  '山田 太郎',
  'Оксана Петренко',
  'محمد العلي',
  'Chloé 🌸 Dubois',
  'Ngô Bảo Châu',
  'Søren Ångström',
];

export const UNICODE_TEXTS = [
  'Der Drucker brennt 🔥 — bitte schnell helfen! Größe: 12½ cm, Preis 99,95 €',
  '注文した商品がまだ届きません。追跡番号を教えてください 📦',
  'Не могу войти в аккаунт после смены пароля 😤',
  'لا أستطيع الوصول إلى حسابي منذ الأمس',
  'Emoji sequence test 👩🏽‍💻👨‍👩‍👧‍👦🏳️‍🌈 and a zero-width joiner‍ between words',
  'Combining marks: é (e + ́), Å, ñ — and a tab\tand\nnewlines\r\nmixed',
  'Quotes "double" \'single\' `backtick` \\ backslash and </script> tag',
  '𝕌𝕟𝕚𝕔𝕠𝕕𝕖 𝔪𝔞𝔱𝔥 𝓈𝒸𝓇𝒾𝓅𝓉 outside the BMP ✓',
];

const FILES: Array<[string, string, boolean]> = [
  ['screenshot.png', 'image/png', true],
  ['photo.jpg', 'image/jpeg', true],
  ['invoice.pdf', 'application/pdf', false],
  ['logs.txt', 'text/plain', false],
  ['report.csv', 'text/csv', false],
  ['archive.zip', 'application/zip', false],
  ['Résumé – 2024 📎.pdf', 'application/pdf', false],
  ['スクリーンショット.png', 'image/png', true],
];

export function buildTextPools(seed: number): TextPools {
  const faker = new Faker({ locale: [en, base], seed });
  const many = <T>(n: number, make: () => T): T[] => Array.from({ length: n }, make);
  const userAgents = many(50, () => faker.internet.userAgent());
  const ips = many(200, () => faker.internet.ipv4());
  const places = many(100, () => ({
    location: `${faker.location.city()}, ${faker.location.state({ abbreviated: true })}, ${faker.location.country()}`,
    latitude: faker.location.latitude({ precision: 4 }),
    longitude: faker.location.longitude({ precision: 4 }),
  }));
  const systems = many(400, () => {
    const place = faker.helpers.arrayElement(places);
    return { client: faker.helpers.arrayElement(userAgents), ip_address: faker.helpers.arrayElement(ips), ...place };
  });
  return {
    systems,
    firstNames: many(300, () => faker.person.firstName()),
    lastNames: many(300, () => faker.person.lastName()),
    companies: many(400, () => faker.company.name()),
    domains: many(400, () => faker.internet.domainName()),
    subjects: many(600, () => {
      const phrase = faker.hacker.phrase();
      return phrase.charAt(0).toUpperCase() + phrase.slice(1, 110).replace(/[.!]$/, '');
    }),
    paragraphs: many(400, () => faker.lorem.paragraphs(faker.number.int({ min: 1, max: 3 }), '\n\n')),
    sentences: many(400, () => faker.lorem.sentence()),
    words: many(200, () => faker.word.sample()),
    phones: many(200, () => faker.phone.number({ style: 'international' })),
    userAgents,
    ips,
    places,
    fileNames: FILES.map(([name, type, image]) => ({ name, type, image })),
  };
}
