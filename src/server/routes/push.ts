// Web Push for the web app: the key to subscribe with, the subscriptions, a test notification.
import { z } from "zod";
import {
  DeletePushSubscriptionBody,
  ErrorBody,
  PushSubscriptionBody,
  PushSubscriptionInfo,
  PushSubscriptionList,
  PushTestReply,
  VapidPublicKeyReply,
} from "../../shared/schemas.js";
import type { App, ServerDeps } from "../types.js";

const tags = ["Notifications"];

export function pushRoutes(app: App, { push }: ServerDeps) {
  app.get(
    "/api/push/vapid-public-key",
    {
      schema: {
        tags,
        summary: "The VAPID public key: applicationServerKey for pushManager.subscribe()",
        response: { 200: VapidPublicKeyReply },
      },
    },
    async () => ({ public_key: push.vapidPublicKey }),
  );

  app.get(
    "/api/push/subscriptions",
    {
      schema: {
        tags,
        summary: "The browsers subscribed to notifications",
        response: { 200: PushSubscriptionList },
      },
    },
    async () => ({ subscriptions: await push.list() }),
  );

  app.post(
    "/api/push/subscriptions",
    {
      schema: {
        tags,
        summary: "Subscribe a browser: the JSON of its PushSubscription, and a label",
        body: PushSubscriptionBody,
        response: { 201: PushSubscriptionInfo, 400: ErrorBody },
      },
    },
    async (req, reply) => {
      const info = await push.subscribe(req.body, req.headers["user-agent"]);
      return reply.code(201).send(info);
    },
  );

  app.delete(
    "/api/push/subscriptions",
    {
      schema: {
        tags,
        summary: "Unsubscribe a browser (204 whether or not it was subscribed)",
        body: DeletePushSubscriptionBody,
        response: { 204: z.undefined(), 400: ErrorBody },
      },
    },
    async (req, reply) => {
      await push.unsubscribe(req.body.endpoint);
      return reply.code(204).send();
    },
  );

  app.post(
    "/api/push/test",
    {
      schema: {
        tags,
        summary: "Send a test notification to every subscribed browser and to ntfy, once each",
        response: { 200: PushTestReply },
      },
    },
    async () => push.test(),
  );
}
