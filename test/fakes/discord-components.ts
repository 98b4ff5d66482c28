// Discord's checks of message components (discord.com/developers/docs/components/reference) and
// of message bodies, worded as Discord's 50035 "Invalid Form Body" answers are: errors nested by
// the field's path, each `{_errors:[{code, message}]}`.

export type ErrorTree = { [key: string]: ErrorTree } & {
  _errors?: { code: string; message: string }[];
};

export const LIMITS = {
  content: 2000,
  rows: 5,
  buttonsPerRow: 5,
  customId: 100,
  label: 80,
  threadName: 100,
} as const;

/** Collects form errors under their paths, as Discord nests them. */
export class FormErrors {
  readonly tree: ErrorTree = {};
  private count = 0;

  add(path: (string | number)[], code: string, message: string): void {
    let node: ErrorTree = this.tree;
    for (const key of path) {
      node[String(key)] ??= {} as ErrorTree;
      node = node[String(key)] as ErrorTree;
    }
    node._errors ??= [];
    node._errors.push({ code, message });
    this.count++;
  }

  get empty(): boolean {
    return this.count === 0;
  }
}

const tooLong = (max: number) => ({
  code: "BASE_TYPE_MAX_LENGTH",
  message: `Must be ${max} or fewer in length.`,
});

/** Checks `content` and `components` of a message body; the bad fields go into `errors`. */
export function checkMessageBody(body: Record<string, unknown>, errors: FormErrors): void {
  const { content, components } = body;
  if (content !== undefined && content !== null) {
    if (typeof content !== "string") {
      errors.add(["content"], "STRING_TYPE_CONVERT", "Could not interpret value as string.");
    } else if (content.length > LIMITS.content) {
      const e = tooLong(LIMITS.content);
      errors.add(["content"], e.code, e.message);
    }
  }
  if (components === undefined || components === null) return;
  if (!Array.isArray(components)) {
    errors.add(["components"], "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType");
    return;
  }
  if (components.length > LIMITS.rows) {
    const e = tooLong(LIMITS.rows);
    errors.add(["components"], e.code, e.message);
  }
  const customIds = new Set<string>();
  components.forEach((row: unknown, r) => {
    const at = ["components", r];
    const { type, components: children } = (row ?? {}) as Record<string, unknown>;
    if (type !== 1) {
      errors.add(
        [...at, "type"],
        "UNION_TYPE_CHOICES",
        'Value of field "type" must be one of (1,).',
      );
      return;
    }
    if (!Array.isArray(children) || children.length === 0) {
      errors.add(
        [...at, "components"],
        "BASE_TYPE_BAD_LENGTH",
        "Must be between 1 and 5 in length.",
      );
      return;
    }
    if (children.length > LIMITS.buttonsPerRow) {
      const e = tooLong(LIMITS.buttonsPerRow);
      errors.add([...at, "components"], e.code, e.message);
    }
    children.forEach((child: unknown, c) => {
      const where = [...at, "components", c];
      const button = (child ?? {}) as Record<string, unknown>;
      if (button.type !== 2) return; // selects and the rest: accepted as sent
      const { style, label, custom_id: customId, url, emoji } = button;
      if (typeof style !== "number" || style < 1 || style > 6) {
        errors.add(
          [...where, "style"],
          "BASE_TYPE_CHOICES",
          "Value must be one of {1, 2, 3, 4, 5, 6}.",
        );
      }
      if (label !== undefined && typeof label === "string" && label.length > LIMITS.label) {
        const e = tooLong(LIMITS.label);
        errors.add([...where, "label"], e.code, e.message);
      }
      if ((label === undefined || label === "") && emoji === undefined) {
        errors.add(
          [...where],
          "BUTTON_COMPONENT_INVALID_LABEL",
          "A label or emoji is required for buttons.",
        );
      }
      if (style === 5) {
        if (typeof url !== "string") {
          errors.add([...where, "url"], "BASE_TYPE_REQUIRED", "This field is required");
        }
        if (customId !== undefined) {
          errors.add(
            [...where, "custom_id"],
            "BUTTON_COMPONENT_URL_AND_CUSTOM_ID",
            "A custom id and url cannot both be specified",
          );
        }
        return;
      }
      if (typeof customId !== "string" || customId.length === 0) {
        errors.add([...where, "custom_id"], "BASE_TYPE_REQUIRED", "This field is required");
        return;
      }
      if (customId.length > LIMITS.customId) {
        const e = tooLong(LIMITS.customId);
        errors.add([...where, "custom_id"], e.code, e.message);
      }
      if (customIds.has(customId)) {
        errors.add(
          [...where, "custom_id"],
          "COMPONENT_CUSTOM_ID_DUPLICATED",
          "Component custom id cannot be duplicated",
        );
      }
      customIds.add(customId);
    });
  });
}

/** Every button of a message's components, with where it sits. */
export function buttonsOf(components: unknown): Record<string, unknown>[] {
  if (!Array.isArray(components)) return [];
  return components.flatMap((row: unknown) => {
    const children = (row as { components?: unknown } | null)?.components;
    return Array.isArray(children)
      ? (children as Record<string, unknown>[]).filter((c) => c?.type === 2)
      : [];
  });
}
