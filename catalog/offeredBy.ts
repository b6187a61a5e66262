/**
 * Which anchor connectors offer each opt-in table (CollectionSpec.offeredBy), kept in one place for
 * the groups under optional/: from Fivetran's published tables (dbt_zendesk_source's sources and its
 * schema reference), Airbyte source-zendesk-support 4.9.1's discovered streams, and Databricks
 * Lakeflow Connect's Zendesk Support reference. Only names those lists show; `{}` = none of them.
 */
import type { AnchorConnector } from './types';

type Offered = Partial<Record<AnchorConnector, string>>;
const ad = (name: string): Offered => ({ airbyte: name, databricks: name });

export const OPTIONAL_OFFERED_BY: Record<string, Offered> = {
  brands: { fivetran: 'brand', ...ad('brands') },
  custom_roles: ad('custom_roles'),
  custom_statuses: { databricks: 'custom_statuses' },
  locales: { databricks: 'locales' },
  tags: ad('tags'),
  macros: ad('macros'),
  automations: ad('automations'),
  triggers: { airbyte: 'triggers', databricks: 'ticket_triggers' },
  trigger_categories: { databricks: 'trigger_categories' },
  views: {},
  user_fields: ad('user_fields'),
  organization_fields: ad('organization_fields'),
  organization_subscriptions: { databricks: 'organization_subscriptions' },
  sla_policies: ad('sla_policies'),
  group_sla_policies: { databricks: 'group_sla_policies' },
  schedules: { fivetran: 'schedule', ...ad('schedules') },
  schedule_holidays: { fivetran: 'schedule_holiday' },
  account_attributes: { airbyte: 'account_attributes', databricks: 'account_attributes' },
  attribute_values: {},
  ticket_metric_events: ad('ticket_metric_events'),
  user_identities: ad('user_identities'),
  ticket_audits: ad('ticket_audits'),
  suspended_tickets: { fivetran: 'suspended_ticket', databricks: 'suspended_tickets' },
  deleted_tickets: {},
  deleted_users: {},
  categories: ad('categories'),
  sections: { fivetran: 'section', ...ad('sections') },
  articles: ad('articles'),
  article_comments: ad('article_comments'),
  article_votes: ad('article_votes'),
  topics: ad('topics'),
  posts: ad('posts'),
  post_comments: ad('post_comments'),
  ticket_field_history: { fivetran: 'ticket_field_history' },
  ticket_tag_history: {},
  ticket_tags: { fivetran: 'ticket_tag' },
};
