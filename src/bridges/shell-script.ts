// A command as the person reads it. Codex wraps every command in a login shell; the bridges show
// the script inside.

/** `/bin/bash -lc 'npm test'` → `npm test`; any other command as it is. */
export function shellScript(command: string): string {
  const m = /^\S*\/(?:ba|z)?sh -lc '(.*)'$/s.exec(command);
  return m ? m[1]!.replace(/'\\''/g, "'") : command;
}
