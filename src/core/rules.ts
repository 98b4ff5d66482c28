// Session rules: "Allow <tool> for this session" stored as a row, not remembered as an option
// label. The engine writes a rule in the same commit as the answer that chose it, and answers a
// later request for that tool by the rule in the same commit as the request, so a rule-answered
// approval is never pending for anyone to see. This is the table policies will grow from.

export interface Rule {
  /** `rule_…` */
  id: string;
  session_id: string;
  /** The tool the rule allows, as the approval's `tool_name` names it. */
  tool: string;
  decision: "allow";
  created_at: string;
  /** Who chose the option that made the rule (the approval's `decided_by`). */
  created_by: string;
  /** The approval whose answer made the rule. */
  source_approval_id: string;
}

/** The option that makes a rule for `tool`: what an approval offers to allow it for the rest of
 * the session. */
export function sessionRuleOption(tool: string): string {
  return `Allow ${tool} for this session`;
}

/** What `decided_by` says of an approval answered by `rule`. */
export function ruleActor(rule: Rule): string {
  return `rule:${rule.id}`;
}

/** The tool a rule would allow when `option` answers an approval about `tool`, if it makes one. */
export function ruleToolOf(tool: string | null, option: string): string | undefined {
  return tool !== null && option === sessionRuleOption(tool) ? tool : undefined;
}

/** The rules of every session, by session and tool: at most one rule per tool and session. */
export class RuleBook {
  private readonly bySession = new Map<string, Map<string, Rule>>();

  clear(): void {
    this.bySession.clear();
  }

  add(rule: Rule): void {
    let tools = this.bySession.get(rule.session_id);
    if (!tools) {
      tools = new Map();
      this.bySession.set(rule.session_id, tools);
    }
    tools.set(rule.tool, rule);
  }

  remove(rule: Rule): void {
    const tools = this.bySession.get(rule.session_id);
    if (tools?.get(rule.tool) === rule) tools.delete(rule.tool);
  }

  find(sessionId: string, tool: string): Rule | undefined {
    return this.bySession.get(sessionId)?.get(tool);
  }

  forgetSession(sessionId: string): void {
    this.bySession.delete(sessionId);
  }
}
