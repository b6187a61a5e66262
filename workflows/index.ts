// The workflows the worker registers.
export { sourceWorkflow } from './source';
export { backfillWorkflow } from './backfill';
export { accountHostWorkflow } from './accountHost';
