"use strict";
/**
 * Agent sessions as the host sees them: the per-session state derived from the agent's
 * messages (modes, config options, capabilities) and the handler sets. The ACP client itself
 * (transport, history, permission timeouts, files and terminals) is native (`src/sessions/`).
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.SessionState = void 0;
/** Methods of requests an agent makes to its client (served natively, recorded, not delivered). */
const CLIENT_REQUEST = /^(fs|terminal)\//;
/** Call each handler; one that throws does not stop the others (its error is rethrown later, as an uncaught exception). */
function fanOut(handlers, value) {
    for (const h of [...handlers]) {
        try {
            h(value);
        }
        catch (err) {
            process.nextTick(() => {
                throw err;
            });
        }
    }
}
function record(v) {
    return typeof v === "object" && v !== null ? v : {};
}
/** One session's host-side state. */
class SessionState {
    handle;
    sessionId;
    agentType;
    pid;
    events = new Set();
    permissions = new Set();
    modes;
    configOptions;
    capabilities;
    agentInfo;
    #delivered = -1;
    #dropped = false;
    #waiters = [];
    constructor(handle, sessionId, agentType, pid, init, created) {
        this.handle = handle;
        this.sessionId = sessionId;
        this.agentType = agentType;
        this.pid = pid;
        const modes = record(created.modes ?? init.modes);
        this.modes = typeof modes.currentModeId === "string" ? modes : null;
        const given = created.configOptions ?? init.configOptions;
        const options = Array.isArray(given) ? [...given] : [];
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
        this.agentInfo = init.agentInfo ?? null;
    }
    /** Deliver a recorded notification (once, in order). */
    deliver(seq, n) {
        if (seq <= this.#delivered)
            return;
        this.#delivered = seq;
        const params = record(n.params);
        if (n.method === "session/update") {
            this.#apply(record(params.update ?? params));
            fanOut(this.events, n);
        }
        else if (n.method === "request/permission") {
            const toolCall = record(params.toolCall);
            const description = typeof params.description === "string" ? params.description : typeof toolCall.title === "string" ? toolCall.title : undefined;
            fanOut(this.permissions, { permissionId: String(params.permissionId), description, params });
        }
        else if (!CLIENT_REQUEST.test(n.method)) {
            // Every other notification of the agent (its own extensions, `_agentos/session_ended`)
            // is delivered too; requests it made to the client (`fs/*`, `terminal/*`) are only
            // recorded in the history.
            fanOut(this.events, n);
        }
        this.#waiters = this.#waiters.filter((w) => {
            if (w.seq > this.#delivered)
                return true;
            w.resolve();
            return false;
        });
    }
    /** Resolves once every event up to `seq` was delivered. */
    caughtUp(seq) {
        if (seq <= this.#delivered || this.#dropped)
            return Promise.resolve();
        return new Promise((resolve) => this.#waiters.push({ seq, resolve }));
    }
    /** Release waiters (the session is gone). */
    drop() {
        this.#dropped = true;
        for (const w of this.#waiters)
            w.resolve();
        this.#waiters = [];
        this.events.clear();
        this.permissions.clear();
    }
    #apply(update) {
        if (update.sessionUpdate === "current_mode_update" && typeof update.currentModeId === "string" && this.modes) {
            this.modes = { ...this.modes, currentModeId: update.currentModeId };
        }
        if ((update.sessionUpdate === "config_option_update" || update.sessionUpdate === "config_options_update") &&
            Array.isArray(update.configOptions)) {
            this.configOptions = update.configOptions;
        }
    }
    /** Reflect a successful `session/set_mode` or `session/set_config_option` sent by the host. */
    applySent(method, params) {
        if (method === "session/set_mode" && typeof params.modeId === "string" && this.modes) {
            this.modes = { ...this.modes, currentModeId: params.modeId };
        }
        if (method === "session/set_config_option" && typeof params.configId === "string") {
            this.configOptions = this.configOptions.map((o) => (o.id === params.configId ? { ...o, currentValue: params.value } : o));
        }
    }
}
exports.SessionState = SessionState;
