// Types for offline-plan-comment.mjs (plain JS so actions/github-script can import it without a build).
export declare const MAX_PLAN_CHARS: number;
export declare function commentMarker(stack: string): string;
export declare function parsePrNumber(text: string): number;
export declare function planCommentBody(plan: { stack: string; exitCode: number; output: string; runUrl?: string }): string;
export declare function readPlans(dir: string): Promise<{ prNumber: number; plans: { stack: string; output: string; exitCode: number }[] }>;
export declare function postOfflinePlanComments(args: { github: unknown; context: unknown; core: unknown; dir: string }): Promise<void>;
