import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator';

/** Small, fast accounts for tests: no same-second run unless asked, limits off unless asked. */
export function startSmall(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({
    seed: 7,
    tickets: 120,
    users: 40,
    organizations: 8,
    groups: 5,
    eventsPerTicket: 3,
    commentsPerTicket: 2,
    attachmentsPerComment: 0.5,
    sameSecondRun: 0,
    activities: 30,
    auditLogs: 40,
    rateLimits: false,
    ...options,
  });
}

export function basic(email: string, token: string): string {
  return 'Basic ' + Buffer.from(`${email}/token:${token}`).toString('base64');
}

export function adminAuth(emulator: Emulator): string {
  return basic(emulator.credentials.admin.email, emulator.credentials.admin.apiToken);
}

export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** GET a path (or absolute URL) with the admin credential unless another Authorization is given. */
export async function get<T = any>(
  emulator: Emulator,
  pathOrUrl: string,
  authorization: string | null = adminAuth(emulator),
): Promise<JsonResponse<T>> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : emulator.baseUrl + pathOrUrl;
  const response = await fetch(url, { headers: authorization ? { authorization } : {} });
  const text = await response.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // text/plain bodies (429) stay text
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** Follow cursor-export pages until end_of_stream; returns the pages. */
export async function walkCursorExport(emulator: Emulator, firstPath: string, key: string): Promise<any[]> {
  const pages: any[] = [];
  let url: string | null = firstPath;
  for (let i = 0; url && i < 10_000; i++) {
    const { status, body }: { status: number; body: any } = await get(emulator, url);
    if (status !== 200) throw new Error(`${url} -> ${status}`);
    pages.push(body);
    if (!Array.isArray(body[key])) throw new Error(`no ${key} array`);
    url = body.end_of_stream ? null : body.after_url;
  }
  return pages;
}
