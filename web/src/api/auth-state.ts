import { reactive } from "vue";

/** Whether the app must ask for the token: set by any 401, cleared by a good login. */
export const auth = reactive({ needsToken: false });
