/**
 * The emulator's internal model. Records are kept in Zendesk's API shape minus everything derived
 * from the host (record `url`s, attachment `content_url`s), which the serializer adds from the
 * canonical base URL. Timestamps are ISO strings, as the API sends them.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ViaObject {
  channel: string;
  source: { from: Record<string, Json>; to: Record<string, Json>; rel: string | null };
}

export interface SystemInfo {
  client: string;
  ip_address: string;
  location: string;
  latitude: number;
  longitude: number;
}

export interface CustomFieldValue {
  id: number;
  value: Json;
}

export interface Ticket {
  id: number;
  external_id: string | null;
  via: ViaObject;
  created_at: string;
  updated_at: string;
  generated_timestamp: number;
  type: string | null;
  subject: string;
  raw_subject: string;
  description: string;
  priority: string | null;
  status: string;
  recipient: string | null;
  requester_id: number;
  submitter_id: number;
  assignee_id: number | null;
  organization_id: number | null;
  group_id: number | null;
  collaborator_ids: number[];
  follower_ids: number[];
  email_cc_ids: number[];
  forum_topic_id: number | null;
  problem_id: number | null;
  has_incidents: boolean;
  is_public: boolean;
  due_at: string | null;
  tags: string[];
  custom_fields: CustomFieldValue[];
  satisfaction_rating: Json;
  sharing_agreement_ids: number[];
  custom_status_id: number;
  ticket_form_id: number | null;
  brand_id: number;
  allow_channelback: boolean;
  allow_attachments: boolean;
  from_messaging_channel: boolean;
}

export interface MinutesPair {
  calendar: number | null;
  business: number | null;
}

export interface TicketMetric {
  id: number;
  ticket_id: number;
  created_at: string;
  updated_at: string;
  group_stations: number;
  assignee_stations: number;
  reopens: number;
  replies: number;
  /** Timestamps of things that never happened are omitted (absent), as on real records. */
  assignee_updated_at?: string;
  requester_updated_at?: string;
  status_updated_at?: string;
  initially_assigned_at?: string;
  assigned_at?: string;
  solved_at?: string;
  latest_comment_added_at?: string;
  custom_status_updated_at?: string;
  reply_time_in_minutes: MinutesPair;
  first_resolution_time_in_minutes: MinutesPair;
  full_resolution_time_in_minutes: MinutesPair;
  agent_wait_time_in_minutes: MinutesPair;
  requester_wait_time_in_minutes: MinutesPair;
  on_hold_time_in_minutes: MinutesPair;
}

export interface Attachment {
  id: number;
  /** The download token; content_url is built from it and the base URL. */
  token: string;
  file_name: string;
  content_type: string;
  size: number;
  width: number | null;
  height: number | null;
  inline: boolean;
  deleted: boolean;
  malware_access_override: boolean;
  malware_scan_result: string;
}

/**
 * The call behind a voice comment (zendesk-api.md §8.13: "JSON objects for voice comments differ in
 * structure"). `recording_url` is derived from the base URL and `call_id` when serialised.
 */
export interface VoiceCall {
  call_id: number;
  /** E.164 numbers, e.g. "+14155550123", and their display forms "+1 (415) 555-0123". */
  from: string;
  to: string;
  formatted_from: string;
  formatted_to: string;
  /** Seconds. */
  call_duration: number;
  answered_by_id: number;
  transcription_text: string;
  started_at: string;
  location: string;
}

export interface Comment {
  id: number;
  ticket_id: number;
  /** `VoiceComment`s are private, carry no attachments and add `data` plus formatted_from/to. */
  type: 'Comment' | 'VoiceComment';
  author_id: number;
  body: string;
  public: boolean;
  attachments: Attachment[];
  audit_id: number;
  via: ViaObject;
  created_at: string;
  /** Serialised as metadata.system; html_body and plain_body are derived from body when serialised. */
  system: SystemInfo;
  /** Set on `VoiceComment`s only. */
  voice?: VoiceCall;
}

/** A `Create`/`Change` child carries the changed field as a key (e.g. `status: "open"`). */
export interface FieldChildEvent {
  id: number;
  event_type: 'Create' | 'Change';
  field_name: string;
  value: Json;
  previous_value?: Json;
}

/** Links any comment of the event, text or voice; the export writes the comment's own type. */
export interface CommentChildEvent {
  event_type: 'Comment';
  comment_id: number;
}

export type ChildEvent = FieldChildEvent | CommentChildEvent;

export interface TicketEvent {
  id: number;
  ticket_id: number;
  timestamp: number;
  created_at: string;
  updater_id: number;
  /** The top-level via of an export event is a string ("Web form", "Mail"), not an object. */
  via: string;
  system: SystemInfo;
  metadata: Record<string, Json>;
  event_type: 'Audit';
  child_events: ChildEvent[];
}

export interface TicketMetricEvent {
  id: number;
  ticket_id: number;
  metric: string;
  instance_id: number;
  type: string;
  time: string;
  status?: MinutesPair;
  sla?: { target: number; business_hours: boolean; policy: { id: number; title: string; description: string } };
  deleted?: boolean;
}

export interface Photo {
  id: number;
  file_name: string;
  content_type: string;
  size: number;
  width: number;
  height: number;
}

export interface User {
  id: number;
  name: string;
  email: string | null;
  created_at: string;
  updated_at: string;
  time_zone: string;
  iana_time_zone: string;
  phone: string | null;
  shared_phone_number: boolean | null;
  photo: Photo | null;
  locale_id: number;
  locale: string;
  organization_id: number | null;
  role: 'end-user' | 'agent' | 'admin';
  verified: boolean;
  external_id: string | null;
  tags: string[];
  alias: string | null;
  active: boolean;
  shared: boolean;
  shared_agent: boolean;
  last_login_at: string | null;
  two_factor_auth_enabled: boolean;
  signature: string | null;
  details: string | null;
  notes: string | null;
  role_type: number | null;
  custom_role_id: number | null;
  moderator: boolean;
  ticket_restriction: string | null;
  only_private_comments: boolean;
  restricted_agent: boolean;
  suspended: boolean;
  chat_only: boolean;
  default_group_id: number | null;
  report_csv: boolean;
  user_fields: Record<string, Json>;
}

export interface Organization {
  id: number;
  name: string;
  shared_tickets: boolean;
  shared_comments: boolean;
  external_id: string | null;
  created_at: string;
  updated_at: string;
  domain_names: string[];
  details: string | null;
  notes: string | null;
  group_id: number | null;
  tags: string[];
  organization_fields: Record<string, Json>;
  deleted_at: string | null;
}

export interface Group {
  id: number;
  is_public: boolean;
  name: string;
  description: string;
  default: boolean;
  deleted: boolean;
  created_at: string;
  updated_at: string;
}

export interface GroupMembership {
  id: number;
  user_id: number;
  group_id: number;
  default: boolean;
  created_at: string;
  updated_at: string;
}

export interface OrganizationMembership {
  id: number;
  user_id: number;
  organization_id: number;
  /** `true` or null — never false — for non-default memberships. */
  default: true | null;
  created_at: string;
  updated_at: string;
  organization_name: string;
  view_tickets: boolean;
}

export interface FieldOption {
  id: number;
  name: string;
  raw_name: string;
  value: string;
}

export type TicketFieldType =
  | 'subject'
  | 'description'
  | 'status'
  | 'tickettype'
  | 'priority'
  | 'group'
  | 'assignee'
  | 'custom_status'
  | 'checkbox'
  | 'date'
  | 'decimal'
  | 'integer'
  | 'regexp'
  | 'tagger'
  | 'multiselect'
  | 'text'
  | 'textarea';

export interface TicketField {
  id: number;
  type: TicketFieldType;
  title: string;
  raw_title: string;
  description: string;
  raw_description: string;
  position: number;
  active: boolean;
  required: boolean;
  collapsed_for_agents: boolean;
  regexp_for_validation: string | null;
  title_in_portal: string;
  raw_title_in_portal: string;
  visible_in_portal: boolean;
  editable_in_portal: boolean;
  required_in_portal: boolean;
  tag: string | null;
  created_at: string;
  updated_at: string;
  removable: boolean;
  key: string | null;
  agent_description: string | null;
  custom_field_options?: FieldOption[];
  system_field_options?: Array<{ name: string; value: string }>;
}

export type KeyedFieldType = 'checkbox' | 'date' | 'decimal' | 'integer' | 'regexp' | 'dropdown' | 'multiselect' | 'text' | 'textarea';

/** A user_fields / organization_fields definition. */
export interface KeyedField {
  id: number;
  type: KeyedFieldType;
  key: string;
  title: string;
  raw_title: string;
  description: string;
  raw_description: string;
  position: number;
  active: boolean;
  system: boolean;
  regexp_for_validation: string | null;
  created_at: string;
  updated_at: string;
  custom_field_options?: FieldOption[];
}

export interface TicketForm {
  id: number;
  name: string;
  raw_name: string;
  display_name: string;
  raw_display_name: string;
  end_user_visible: boolean;
  position: number;
  ticket_field_ids: number[];
  active: boolean;
  default: boolean;
  in_all_brands: boolean;
  restricted_brand_ids: number[];
  end_user_conditions: Json[];
  agent_conditions: Json[];
  created_at: string;
  updated_at: string;
}

export interface Activity {
  id: number;
  title: string;
  verb: string;
  user_id: number;
  actor_id: number;
  created_at: string;
  updated_at: string;
  object: Record<string, Json>;
  target: Record<string, Json>;
}

export interface SatisfactionRating {
  id: number;
  assignee_id: number | null;
  group_id: number | null;
  requester_id: number;
  ticket_id: number;
  score: string;
  created_at: string;
  updated_at: string;
  comment: string | null;
  reason?: string;
  reason_id?: number;
}

export interface Skip {
  id: number;
  ticket_id: number;
  user_id: number;
  reason: string;
  created_at: string;
  updated_at: string;
}

export interface AuditLog {
  id: number;
  action_label: string;
  actor_id: number;
  actor_name: string;
  source_id: number;
  source_type: string;
  source_label: string;
  action: string;
  change_description: string;
  ip_address: string | null;
  created_at: string;
}
