/**
 * @module The JSON Schema validator of an upstream's SDK `Client`: the SDK's Ajv validator, built
 * on first use. The SDK builds one Ajv instance (with its formats) per `Client` — about 1 ms of
 * CPU per connect — but uses it only for tools that declare an `outputSchema`; a server without
 * one never needs it. Each client keeps its own instance, as with the SDK default: compiled
 * schemas stay per server and go with the client.
 */
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type {
  JsonSchemaType,
  JsonSchemaValidator,
  jsonSchemaValidator,
} from '@modelcontextprotocol/sdk/validation';

/** The SDK's Ajv validator, made when the first schema is compiled. */
export class LazyAjvValidator implements jsonSchemaValidator {
  private ajv: AjvJsonSchemaValidator | null = null;

  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    this.ajv ??= new AjvJsonSchemaValidator();
    return this.ajv.getValidator<T>(schema);
  }
}
