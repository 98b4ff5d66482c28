import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { Bus } from "../bus/bus.js";
import type { Engine } from "../core/engine.js";

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface ServerDeps {
  engine: Engine;
  bus: Bus;
  version: string;
  authRequired: boolean;
  /** Session kinds that can be created: `external` plus the registered adapters. */
  kinds: readonly string[];
}
