// The daemon's wire shapes, from the same zod schemas the server validates with. Type-only
// imports: the web bundle carries none of zod.
export type {
  AgentsReply,
  Approval,
  BridgeInfo,
  PairingCodeReply,
  Session,
  SessionState,
  TetherEvent,
  Usage,
} from "../../../src/shared/schemas.js";
export { SESSION_STATES } from "./states.js";
