// The JSON a Web Push carries to the web app's service worker (web/public/sw.js), which shows it
// with `showNotification(title, {body, tag, actions, data})`:
//
//   {"title","body","tag","actions"?:[…],"data":{"url","kind","session_id","approval_id","options"?}}
//   {"type":"resolved","title","body","tag","data":{…}}   the approval of that tag was answered
//
// An approval's buttons are `answer-<i>` for `data.options[i]`, sent back as it is (the button's
// title may be shortened); an awaiting-input notification has one `reply` button of type
// `text` (an inline reply where the browser supports it: Chrome on Android, Windows and Linux).
import { preview, type TetherNotification } from "./notification.js";

/** A push service takes at most 4096 bytes of encrypted record; what is encrypted stays well
 * below it (aes128gcm adds a header, a tag and padding). */
export const MAX_PAYLOAD_BYTES = 3000;
const ACTION_TITLE_MAX = 40;
const SHORT_MAX = 60;

export interface PushAction {
  action: string;
  title: string;
  type?: "text";
  placeholder?: string;
}

export function pushPayload(n: TetherNotification): string {
  const full = JSON.stringify(payloadOf(n, n.answers, n.title, n.body));
  if (Buffer.byteLength(full) <= MAX_PAYLOAD_BYTES) return full;
  // Options of many escaped characters: answered in the app instead, with the text shortened.
  return JSON.stringify(payloadOf(n, [], preview(n.title, SHORT_MAX), preview(n.body, SHORT_MAX)));
}

function payloadOf(n: TetherNotification, answers: readonly string[], title: string, body: string) {
  const actions: PushAction[] = answers.map((option, i) => ({
    action: `answer-${i}`,
    title: preview(option, ACTION_TITLE_MAX),
  }));
  if (n.reply) {
    actions.push({
      action: "reply",
      type: "text",
      title: "Reply",
      placeholder: "Reply to the agent…",
    });
  }
  return {
    ...(n.kind === "resolved" ? { type: "resolved" } : {}),
    title,
    body,
    tag: n.tag,
    ...(actions.length > 0 ? { actions } : {}),
    data: {
      url: n.path,
      kind: n.kind,
      session_id: n.sessionId,
      approval_id: n.approvalId,
      ...(answers.length > 0 ? { options: answers } : {}),
    },
  };
}
