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
  error?: { code: number; message: string; data?: unknown };
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
export type McpServerConfig =
  | { type: "local"; command: string; args?: string[]; env?: Record<string, string> }
  | { type: "remote"; url: string; headers?: Record<string, string> };

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

/** Methods of requests an agent makes to its client (served natively, recorded, not delivered). */
const CLIENT_REQUEST = /^(fs|terminal)\//;

/** Call each handler; one that throws does not stop the others (its error is rethrown later, as an uncaught exception). */
function fanOut<T>(handlers: Set<Handler<T>>, value: T): void {
  for (const h of [...handlers]) {
    try {
      h(value);
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  }
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
}

/** One session's host-side state. */
export class SessionState {
  readonly events = new Set<Handler<JsonRpcNotification>>();
  readonly permissions = new Set<Handler<PermissionRequest>>();
  modes: SessionModes | null;
  configOptions: SessionConfigOption[];
  readonly capabilities: Record<string, unknown>;
  readonly agentInfo: AgentInfo | null;
  #delivered = -1;
  #dropped = false;
  #waiters: { seq: number; resolve: () => void }[] = [];

  constructor(
    readonly handle: number,
    readonly sessionId: string,
    readonly agentType: string,
    readonly pid: number,
    init: Record<string, unknown>,
    created: Record<string, unknown>,
  ) {
    const modes = record(created.modes ?? init.modes);
    this.modes = typeof modes.currentModeId === "string" ? (modes as unknown as SessionModes) : null;
    const given = created.configOptions ?? init.configOptions;
    const options = Array.isArray(given) ? [...(given as SessionConfigOption[])] : [];
    const models = record(created.models);
    const available = Array.isArray(models.availableModels) ? models.availableModels : [];
    if (typeof models.currentModelId === "string" || available.length > 0) {
      // Agents that report models (ACP's unstable `models`) get a `model` option, as the reference derives it.
      options.push({
        id: "model",
        category: "model",
        label: "Model",
        currentValue: models.currentModelId,
        allowedValues: available
          .map(record)
          .filter((m) => typeof m.modelId === "string")
          .map((m) => ({ id: m.modelId, label: typeof m.name === "string" ? m.name : undefined })),
        readOnly: false,
      });
    }
    this.configOptions = options;
    this.capabilities = record(init.agentCapabilities);
    this.agentInfo = (init.agentInfo as AgentInfo | undefined) ?? null;
  }

  /** Deliver a recorded notification (once, in order). */
  deliver(seq: number, n: JsonRpcNotification): void {
    if (seq <= this.#delivered) return;
    this.#delivered = seq;
    const params = record(n.params);
    if (n.method === "session/update") {
      this.#apply(record(params.update ?? params));
      fanOut(this.events, n);
    } else if (n.method === "request/permission") {
      const toolCall = record(params.toolCall);
      const description =
        typeof params.description === "string" ? params.description : typeof toolCall.title === "string" ? toolCall.title : undefined;
      fanOut(this.permissions, { permissionId: String(params.permissionId), description, params });
    } else if (!CLIENT_REQUEST.test(n.method)) {
      // Every other notification of the agent (its own extensions, `_agentos/session_ended`)
      // is delivered too; requests it made to the client (`fs/*`, `terminal/*`) are only
      // recorded in the history.
      fanOut(this.events, n);
    }
    this.#waiters = this.#waiters.filter((w) => {
      if (w.seq > this.#delivered) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once every event up to `seq` was delivered. */
  caughtUp(seq: number): Promise<void> {
    if (seq <= this.#delivered || this.#dropped) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ seq, resolve }));
  }

  /** Release waiters (the session is gone). */
  drop(): void {
    this.#dropped = true;
    for (const w of this.#waiters) w.resolve();
    this.#waiters = [];
    this.events.clear();
    this.permissions.clear();
  }

  #apply(update: Record<string, unknown>): void {
    if (update.sessionUpdate === "current_mode_update" && typeof update.currentModeId === "string" && this.modes) {
      this.modes = { ...this.modes, currentModeId: update.currentModeId };
    }
    if (
      (update.sessionUpdate === "config_option_update" || update.sessionUpdate === "config_options_update") &&
      Array.isArray(update.configOptions)
    ) {
      this.configOptions = update.configOptions as SessionConfigOption[];
    }
  }

  /** Reflect a successful `session/set_mode` or `session/set_config_option` sent by the host. */
  applySent(method: string, params: Record<string, unknown>): void {
    if (method === "session/set_mode" && typeof params.modeId === "string" && this.modes) {
      this.modes = { ...this.modes, currentModeId: params.modeId };
    }
    if (method === "session/set_config_option" && typeof params.configId === "string") {
      this.configOptions = this.configOptions.map((o) => (o.id === params.configId ? { ...o, currentValue: params.value } : o));
    }
  }
}
