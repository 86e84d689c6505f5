/**
 * Fastify 5 adapter: a plugin that declares Registrar's routes. Translation
 * only: the raw Node request reaches `registrar.handle` as the `node:http`
 * adapter builds it, and the answer goes out through `reply`, so the host's
 * `onSend` and `onResponse` hooks and its request log see it.
 *
 * Registrar answers in the routes' `onRequest` hook, before Fastify's content
 * type parsers run: whatever parsers or `bodyLimit` the host configured, the
 * size cap, media type and JSON checks of docs/architecture.md#a-registration steps 5 to 7 are
 * Registrar's own, on the exact bytes. Paths Registrar does not route (for
 * example `{registrationPath}` while registration is disabled, or the
 * well-known discovery paths while `discoveryEnabled` is off) are never
 * declared, and any the router still sends it go to the host's not-found
 * handler.
 *
 * ```ts
 * import Fastify from 'fastify';
 * import { toFastifyPlugin } from 'registrar/fastify';
 * const app = Fastify();
 * await app.register(toFastifyPlugin(registrar));
 * ```
 *
 * @module
 */

import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { discoveryPaths } from '../http/discovery.js';
import type { RegistrarHandler } from '../http/types.js';
import { fromNodeRequest } from './node.js';

/**
 * A Fastify plugin serving Registrar's endpoints. Register it without a
 * `prefix`, or with one the issuer's path starts with: the routes are the
 * paths the issuer and `registrationPath` give. With `discoveryEnabled` the
 * well-known paths start at the root, so only a plugin without a prefix can
 * declare them.
 * @see docs/mounting.md
 */
export function toFastifyPlugin(registrar: RegistrarHandler): FastifyPluginCallback {
  return (instance, _options, done) => {
    const { settings } = registrar;
    const base = settings.registrationPathname;
    if (!base.startsWith(instance.prefix)) {
      done(
        new TypeError(
          `registrar: the plugin prefix "${instance.prefix}" is not a prefix of the registration path "${base}".`,
        ),
      );
      return;
    }
    const path = base.slice(instance.prefix.length);
    const wellKnown = settings.discoveryEnabled ? [...discoveryPaths(settings.issuer)] : [];
    const outside = wellKnown.find((discoveryPath) => !discoveryPath.startsWith(instance.prefix));
    if (outside !== undefined) {
      done(
        new TypeError(
          `registrar: discoveryEnabled serves "${outside}", outside the plugin prefix "${instance.prefix}"; register the plugin without a prefix.`,
        ),
      );
      return;
    }

    async function onRequest(
      request: FastifyRequest,
      reply: FastifyReply,
    ): Promise<FastifyReply | undefined> {
      const response = await registrar.handle(fromNodeRequest(request.raw));
      if (response === null) return undefined;
      reply.code(response.status).headers(response.headers);
      // A Buffer goes out byte for byte: no reply serializer or charset rewrite applies to it.
      return reply.send(response.body === null ? undefined : Buffer.from(response.body));
    }
    const notOurs = (_request: FastifyRequest, reply: FastifyReply) => reply.callNotFound();
    const options = { onRequest, exposeHeadRoute: false };

    if (settings.registrationEnabled) instance.all(path, options, notOurs);
    if (settings.managementEnabled) instance.all(`${path}/:client_id`, options, notOurs);
    for (const discoveryPath of wellKnown) {
      instance.all(discoveryPath.slice(instance.prefix.length), options, notOurs);
    }
    done();
  };
}
