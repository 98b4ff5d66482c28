import { reactive } from "vue";

/** Whether the app must ask for the token (set by any 401, cleared by a good pairing), and
 * whether this Tether asks for one at all (false in dev mode). */
export const auth = reactive({ needsToken: false, required: true });
