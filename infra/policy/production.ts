/**
 * Which stacks count as production for the production-only policies. The
 * enforcement level (mandatory vs advisory) is separate: it comes from the
 * policy config file the workflow passes per stack (`config/<stack>.json`).
 */

/** Stack names treated as production. @default ["production"] */
export const DEFAULT_PRODUCTION_STACKS: readonly string[] = ["production"];

export interface ProductionConfig {
  /** Stack names the production-only rules apply to. @default DEFAULT_PRODUCTION_STACKS */
  readonly productionStacks?: readonly string[];
}

/** JSON schema fragment every production-only policy accepts. */
export const productionConfigSchema = {
  productionStacks: {
    type: "array",
    items: { type: "string" },
    default: [...DEFAULT_PRODUCTION_STACKS],
    description: "Stack names the production-only rules apply to.",
  },
} as const;

export function isProductionStack(stack: string, config: ProductionConfig): boolean {
  return (config.productionStacks ?? DEFAULT_PRODUCTION_STACKS).includes(stack);
}
