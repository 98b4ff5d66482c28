import type { FastifyServerOptions } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";

type Factories = NonNullable<
  NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]
>;
type ValidatorCompiler = ReturnType<NonNullable<Factories["buildValidator"]>>;
type SerializerCompiler = ReturnType<NonNullable<Factories["buildSerializer"]>>;

/**
 * Route schemas are zod, so fastify-type-provider-zod validates and serializes them. Given to
 * Fastify as its compiler factories, these also keep it from loading its defaults (ajv and
 * fast-json-stringify, a third of the daemon's code), which it does at construction otherwise.
 * Fastify types the factories for JSON Schema; these compilers take the zod schemas our routes
 * declare, hence the casts.
 */
export const zodSchemaController: FastifyServerOptions["schemaController"] = {
  compilersFactory: {
    buildValidator: () => validatorCompiler as unknown as ValidatorCompiler,
    buildSerializer: () => serializerCompiler as unknown as SerializerCompiler,
  },
};
