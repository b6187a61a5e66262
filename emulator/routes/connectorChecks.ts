import type { ApiRequest, EmulatorContext } from '../context';
import { jsonResponse, type ApiResponse } from '../http';
import type { User } from '../model';
import { planAllows, type Plan } from '../options';

/**
 * Endpoints other connectors call to check a connection before they sync, so that a user comparing
 * tools can point them at the emulator unchanged:
 *  - Singer's tap-zendesk (2.8.2) checks the users stream with a search,
 *    `GET /api/v2/search.json?query=type:user updated>{now} updated<2000-01-02T00:00:00Z` (via zenpy),
 *    a query meant to return nothing cheaply;
 *  - Airbyte's source-zendesk-support reads `GET /api/v2/account/settings.json` in its check;
 *  - tap-zendesk's discovery lists Talk phone numbers (`/api/v2/channels/voice/phone_numbers`),
 *    and fails on a 404: the emulated account has Talk without numbers, an empty list.
 */

/** The search API's result cap: a page beyond the first 1000 results is refused (zendesk-api.md §7). */
const SEARCH_RESULT_LIMIT = 1000;
const SEARCH_PAGE_SIZE = 100;

interface SearchQuery {
  type: string | null;
  /** Comparisons on a time attribute: `updated>2024-01-01T00:00:00Z`. */
  times: Array<{ field: 'created' | 'updated'; op: '>' | '<' | '>=' | '<=' | ':'; at: number }>;
  /** Free words, matched against the user's name and email (case-insensitive). */
  words: string[];
}

/** Zendesk's search syntax, as much of it as connectors use for users. Null = a term we do not read. */
export function parseSearchQuery(raw: string): SearchQuery | null {
  const query: SearchQuery = { type: null, times: [], words: [] };
  for (const term of raw.split(/\s+/).filter(Boolean)) {
    const type = /^type:(\w+)$/i.exec(term);
    if (type) {
      query.type = type[1]!.toLowerCase();
      continue;
    }
    const time = /^(created|updated)(>=|<=|>|<|:)(.+)$/i.exec(term);
    if (time) {
      // A date (2024-01-01) or a time (2024-01-01T00:00:00Z); both parse as UTC.
      const at = Date.parse(time[3]!);
      if (Number.isNaN(at)) return null;
      query.times.push({
        field: time[1]!.toLowerCase() as 'created' | 'updated',
        op: time[2] as SearchQuery['times'][number]['op'],
        at: at / 1000,
      });
      continue;
    }
    if (term.includes(':') || /[<>]/.test(term)) return null;
    query.words.push(term.replace(/^"|"$/g, '').toLowerCase());
  }
  return query;
}

function userMatches(user: User, query: SearchQuery): boolean {
  for (const { field, op, at } of query.times) {
    const value = Date.parse(field === 'created' ? user.created_at : user.updated_at) / 1000;
    const ok =
      op === '>'
        ? value > at
        : op === '<'
          ? value < at
          : op === '>='
            ? value >= at
            : op === '<='
              ? value <= at
              : Math.floor(value / 86_400) === Math.floor(at / 86_400);
    if (!ok) return false;
  }
  const text = `${user.name} ${user.email ?? ''}`.toLowerCase();
  return query.words.every((w) => text.includes(w));
}

/**
 * `GET /api/v2/search?query=…`: users only (`type:user`, created/updated comparisons, free words);
 * offset pages of 100, `result_type` on each result, 422 past the 1000-result cap as Zendesk
 * answers. A query for another type, or with terms the emulator does not read, is refused with
 * 422 rather than answered wrongly.
 */
export function searchUsers(ctx: EmulatorContext, req: ApiRequest): ApiResponse {
  const raw = req.query.get('query') ?? '';
  const query = parseSearchQuery(raw);
  if (!query || query.type !== 'user') {
    return jsonResponse(422, { error: 'unsupported', description: `the emulator's search answers type:user queries only (got "${raw}")` });
  }
  const page = Math.max(1, Math.floor(Number(req.query.get('page') ?? '1')) || 1);
  const perPage = Math.min(
    SEARCH_PAGE_SIZE,
    Math.max(1, Math.floor(Number(req.query.get('per_page') ?? SEARCH_PAGE_SIZE)) || SEARCH_PAGE_SIZE),
  );
  const offset = (page - 1) * perPage;
  if (offset + perPage > SEARCH_RESULT_LIMIT) {
    return jsonResponse(422, { error: 'invalid', description: 'Requested response size was greater than Search Response Limits' });
  }
  const matches = ctx.store.users
    .all()
    .filter((u) => userMatches(u, query))
    .sort((a, b) => a.id - b.id);
  const results = matches.slice(offset, offset + perPage).map((u) => `${ctx.serializer.user(u).slice(0, -1)},"result_type":"user"}`);
  const link = (n: number) => `${ctx.baseUrl()}/api/v2/search.json?page=${n}&per_page=${perPage}&query=${encodeURIComponent(raw)}`;
  const next = offset + perPage < Math.min(matches.length, SEARCH_RESULT_LIMIT) ? link(page + 1) : null;
  const previous = page > 1 ? link(page - 1) : null;
  return jsonResponse(
    200,
    `{"results":[${results.join(',')}],"facets":null,"next_page":${JSON.stringify(next)},"previous_page":${JSON.stringify(previous)},"count":${matches.length}}`,
  );
}

/**
 * `GET /api/v2/account/settings`: the account's settings object, the parts connectors read
 * (`active_features`, `api`, `brands`, `localization`, `tickets`, `user`), with what the emulated
 * plan allows. Agents and admins may read it, as in Zendesk.
 */
export function accountSettings(req: ApiRequest): ApiResponse {
  const plan: Plan = req.plan ?? 'enterprise';
  const enterprise = planAllows(plan, 'audit_logs');
  return jsonResponse(200, {
    settings: {
      branding: {
        header_color: '03363D',
        page_background_color: '333333',
        tab_background_color: '7FA239',
        text_color: 'FFFFFF',
        header_logo_url: null,
        favicon_url: null,
      },
      apps: { use: true, create_private: true, create_public: false },
      tickets: {
        comments_public_by_default: true,
        is_first_comment_private_enabled: false,
        list_newest_comments_first: true,
        collaboration: true,
        private_attachments: false,
        email_attachments: false,
        agent_collision: true,
        tagging: true,
        list_empty_views: true,
        maximum_personal_views_to_list: 8,
        status_hold: true,
        markdown_ticket_comments: false,
        rich_text_comments: true,
        emoji_autocompletion: true,
        has_color_text: true,
        assign_tickets_upon_solve: true,
        allow_group_reset: true,
        assign_default_organization: true,
        auto_updated_ccs_followers_rules: false,
        custom_statuses_enabled: false,
      },
      agents: { agent_workspace: true, focus_mode: false, agent_home: false, unified_agent_statuses: false },
      groups: { check_group_name_uniqueness: true },
      chat: {
        enabled: false,
        available: false,
        integrated: true,
        maximum_request_count: 1,
        welcome_message: 'Hi there. How can I help today?',
      },
      voice: {
        enabled: false,
        logging: true,
        outbound_enabled: true,
        agent_confirmation_when_forwarding: true,
        agent_wrap_up_after_calls: true,
        maximum_queue_size: 5,
        maximum_queue_wait_time: 1,
        only_during_business_hours: false,
        recordings_public: true,
        uk_mobile_forwarding: true,
      },
      twitter: { shorten_url: 'optional' },
      google_apps: { has_google_apps: false, has_google_apps_admin: false },
      user: {
        tagging: true,
        time_zone_selection: true,
        language_selection: true,
        multiple_organizations: false,
        agent_created_welcome_emails: true,
        end_user_phone_number_validation: false,
        have_gravatars_enabled: true,
      },
      gooddata_advanced_analytics: { enabled: true },
      brands: { default_brand_id: 360000000001, require_brand_on_new_tickets: false },
      statistics: { forum: true, search: true, rule_usage: true },
      ticket_form: {
        ticket_forms_instructions: 'Please choose your issue below',
        raw_ticket_forms_instructions: 'Please choose your issue below',
      },
      billing: { backend: 'zuora' },
      active_features: {
        on_hold_status: true,
        user_tagging: true,
        ticket_tagging: true,
        topic_suggestion: false,
        voice: false,
        business_hours: plan !== 'team',
        facebook_login: false,
        google_login: false,
        twitter_login: false,
        forum_analytics: true,
        agent_forwarding: false,
        chat: false,
        chat_about_my_ticket: false,
        customer_satisfaction: plan !== 'team',
        satisfaction_prediction: enterprise,
        csat_reason_code: enterprise,
        markdown: false,
        bcc_archiving: false,
        allow_ccs: true,
        advanced_analytics: true,
        sandbox: enterprise,
        suspended_ticket_notification: false,
        twitter: true,
        facebook: false,
        dynamic_contents: true,
        light_agents: enterprise,
        ticket_forms: planAllows(plan, 'ticket_forms'),
        user_org_fields: true,
        is_abusive: false,
        rich_content_in_emails: true,
        fallback_composer: false,
        explore: true,
        explore_on_support_ent_plan: enterprise,
        explore_on_support_pro_plan: plan === 'professional',
        good_data_and_explore: false,
        good_data_only: false,
        organization_access_enabled: true,
      },
      api: { accepted_api_agreement: true, api_password_access: 'false', api_token_access: 'true' },
      rule: { macro_most_used: true, macro_order: 'alphabetical', skill_based_filtered_views: [], using_skill_based_routing: false },
      limits: { attachment_size: 52_428_800 },
      onboarding: { onboarding_segments: null, product_sign_up: null, checklist_onboarding_version: 2 },
      cross_sell: { show_chat_tooltip: false, xsell_source: null },
      localization: { locale_ids: [1] },
      lotus: { prefer_lotus: true, reporting: true, pod_id: 1 },
      metrics: { account_size: '100-399' },
      routing: {
        enabled: false,
        autorouting_tag: '',
        max_email_capacity: 0,
        max_messaging_capacity: 0,
        reassignment_messaging_enabled: false,
      },
      side_conversations: {
        email_channel: false,
        msteams_channel: false,
        show_in_context_panel: false,
        slack_channel: false,
        tickets_channel: false,
      },
    },
  });
}

/** `GET /api/v2/channels/voice/phone_numbers`: the emulated account has no Talk numbers. */
export function talkPhoneNumbers(): ApiResponse {
  return jsonResponse(200, '{"phone_numbers":[],"next_page":null,"previous_page":null,"count":0}');
}
