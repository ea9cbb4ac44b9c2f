/**
 * Agent sessions as the host sees them: the per-session state derived from the agent's
 * messages (modes, config options, capabilities) and the handler sets. The ACP client itself
 * (transport, history, permission timeouts, files and terminals) is native (`src/sessions/`).
 */
/** A JSON-RPC notification (also how requests from the agent are recorded). */
export interface JsonRpcNotification {
    jsonrpc: "2.0";
    method: string;
    params?: Record<string, unknown>;
}
/** A JSON-RPC response. */
export interface JsonRpcResponse {
    jsonrpc: "2.0";
    id: number | string | null;
    result?: unknown;
    error?: {
        code: number;
        message: string;
        data?: unknown;
    };
}
/** A notification of a session's history with its position. */
export interface SequencedEvent {
    sequenceNumber: number;
    notification: JsonRpcNotification;
}
/** An agent asking for permission (ACP `session/request_permission`). */
export interface PermissionRequest {
    permissionId: string;
    description?: string;
    params: Record<string, unknown>;
}
/** How the host answers a permission request. */
export type PermissionReply = "once" | "always" | "reject";
/** An open session. */
export interface SessionInfo {
    sessionId: string;
    agentType: string;
}
/** What `prompt` resolves with. */
export interface PromptResult {
    /** The agent's response to `session/prompt` (`result.stopReason`). */
    response: JsonRpcResponse;
    /** The agent's message text streamed during the turn. */
    text: string;
}
/** An agent type of `listAgents()`. */
export interface AgentRegistryEntry {
    id: string;
    acpAdapter: string;
    agentPackage: string;
    installed: boolean;
}
/** MCP servers handed to the agent in `session/new`. */
export type McpServerConfig = {
    type: "local";
    command: string;
    args?: string[];
    env?: Record<string, string>;
} | {
    type: "remote";
    url: string;
    headers?: Record<string, string>;
};
/** Options of `createSession`. */
export interface CreateSessionOptions {
    /** Working directory of the agent and of the ACP session. Default `/home/user`. */
    cwd?: string;
    /** Environment of the agent process (over the agent's own defaults). */
    env?: Record<string, string>;
    /** MCP servers for the agent. */
    mcpServers?: McpServerConfig[];
    /** Leave out the VM's base instructions (`/etc/agentos/instructions.md`). */
    skipOsInstructions?: boolean;
    /** Appended to the agent's system prompt for this session. */
    additionalInstructions?: string;
    /** (ours) How long a permission request waits for `respondPermission` before it is rejected. Default 120000 ms. */
    permissionTimeoutMs?: number;
    /** (ours) How long each request waits for the agent's answer. Default 120000 ms. */
    requestTimeoutMs?: number;
}
/** Modes an agent offers. */
export interface SessionModes {
    currentModeId: string;
    availableModes: object[];
}
/** A config option an agent offers (model, thought level, ...). */
export interface SessionConfigOption {
    id: string;
    category?: string;
    label?: string;
    description?: string;
    currentValue?: unknown;
    allowedValues?: unknown[];
    readOnly?: boolean;
    [key: string]: unknown;
}
/** Who the agent says it is. */
export interface AgentInfo {
    name: string;
    title?: string;
    version?: string;
}
type Handler<T> = (value: T) => void;
/** One session's host-side state. */
export declare class SessionState {
    #private;
    readonly handle: number;
    readonly sessionId: string;
    readonly agentType: string;
    readonly pid: number;
    readonly events: Set<Handler<JsonRpcNotification>>;
    readonly permissions: Set<Handler<PermissionRequest>>;
    modes: SessionModes | null;
    configOptions: SessionConfigOption[];
    readonly capabilities: Record<string, unknown>;
    readonly agentInfo: AgentInfo | null;
    constructor(handle: number, sessionId: string, agentType: string, pid: number, init: Record<string, unknown>, created: Record<string, unknown>);
    /** Deliver a recorded notification (once, in order). */
    deliver(seq: number, n: JsonRpcNotification): void;
    /** Resolves once every event up to `seq` was delivered. */
    caughtUp(seq: number): Promise<void>;
    /** Release waiters (the session is gone). */
    drop(): void;
    /** Reflect a successful `session/set_mode` or `session/set_config_option` sent by the host. */
    applySent(method: string, params: Record<string, unknown>): void;
}
export {};
