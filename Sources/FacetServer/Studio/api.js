// The studio's only way to the server: every call carries the editor's access token, which is
// refreshed in the background before it expires; a session the server no longer accepts ends
// the studio's session, and the page shows why.

const storageKey = "facet.session";
// Refresh this long before the access token expires, so that no request races its expiry.
const refreshMargin = 60;

/** A failed call: `status`, the server's `type` and `description`, and its other `details`. */
export class APIError extends Error {
  constructor(status, body) {
    const error = body?.error ?? {};
    // A failed mutation says only how many items failed; each item says what and why.
    const items = (error.items ?? []).map((item) => [item.error?.description, item.error?.advice].filter(Boolean).join(" "));
    super(items.length ? items.join("; ") : (error.description ?? `The server answered ${status}`));
    this.status = status;
    this.type = error.type ?? "unknown";
    this.details = error;
  }
}

/** Thrown by calls made after the session ended; the sign-in screen is already showing. */
export class SessionEnded extends Error {}

let tokens = null;
let refreshTimer = null;
let refreshing = null;
const endListeners = new Set();

/** Calls `listener(reason)` whenever the session ends (sign-out, expiry, revocation). */
export function onSessionEnd(listener) {
  endListeners.add(listener);
}

export function isSignedIn() {
  return tokens !== null;
}

/** Signs in; throws an ``APIError`` with the server's message when refused. */
export async function signIn(username, password) {
  const response = await fetch("/v1/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  const body = await readJSON(response);
  if (!response.ok) throw new APIError(response.status, body);
  keep(body);
}

/** Picks up a session kept by this tab (a reload); false when there is none or it expired. */
export async function resume() {
  const kept = sessionStorage.getItem(storageKey);
  if (!kept) return false;
  try {
    tokens = JSON.parse(kept);
  } catch {
    sessionStorage.removeItem(storageKey);
    return false;
  }
  try {
    await refresh();
    return true;
  } catch {
    forget();
    return false;
  }
}

/** Signs out: the server revokes both tokens; the studio forgets them either way. */
export async function signOut() {
  const current = tokens;
  forget();
  if (current) {
    try {
      await fetch("/v1/auth/logout", {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${current.accessToken}` },
        body: JSON.stringify({ refreshToken: current.refreshToken }),
      });
    } catch {
      // The tokens are forgotten here; the access token expires on its own within minutes.
    }
  }
  end("You signed out.");
}

/**
 * Calls the API: `request("/v1/data/query/production?query=…")`, or with
 * `{method: "POST", body: {…}}`. Answers the parsed JSON; throws ``APIError`` on a refusal.
 */
export async function request(path, options = {}) {
  const response = await authorizedFetch(path, options);
  const body = await readJSON(response);
  if (!response.ok) throw new APIError(response.status, body);
  return body;
}

/** `fetch` with the token, refreshing and retrying once when it was refused as expired. */
export async function authorizedFetch(path, options = {}) {
  if (!tokens) throw new SessionEnded("Not signed in");
  const send = () => fetch(path, {
    method: options.method ?? "GET",
    signal: options.signal,
    // A request sent as the page goes away (leaving a document) must outlive the page.
    keepalive: options.keepalive,
    headers: {
      Authorization: `Bearer ${tokens.accessToken}`,
      ...(options.body !== undefined ? { "Content-Type": "application/json" } : {}),
      ...(options.headers ?? {}),
    },
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
  });
  let response = await send();
  if (response.status === 401) {
    try {
      await refresh();
    } catch {
      forget();
      end("Your session has ended. Sign in again to continue.");
      throw new SessionEnded("The session ended");
    }
    response = await send();
    if (response.status === 401) {
      forget();
      end("Your session has ended. Sign in again to continue.");
      throw new SessionEnded("The session ended");
    }
  }
  return response;
}

/** Exchanges the refresh token for new tokens, once at a time however many callers ask. */
async function refresh() {
  if (refreshing) return refreshing;
  refreshing = (async () => {
    if (!tokens) throw new SessionEnded("Not signed in");
    const response = await fetch("/v1/auth/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refreshToken: tokens.refreshToken }),
    });
    const body = await readJSON(response);
    if (!response.ok) throw new APIError(response.status, body);
    keep(body);
  })();
  try {
    await refreshing;
  } finally {
    refreshing = null;
  }
}

function keep(answer) {
  tokens = { accessToken: answer.accessToken, refreshToken: answer.refreshToken, expiresIn: answer.expiresIn };
  // The tab keeps its session across reloads; closing it ends the session.
  sessionStorage.setItem(storageKey, JSON.stringify(tokens));
  clearTimeout(refreshTimer);
  const delay = Math.max(5, (answer.expiresIn ?? 900) - refreshMargin) * 1000;
  refreshTimer = setTimeout(() => {
    refresh().catch(() => {
      forget();
      end("Your session has ended. Sign in again to continue.");
    });
  }, delay);
}

function forget() {
  tokens = null;
  clearTimeout(refreshTimer);
  sessionStorage.removeItem(storageKey);
}

function end(reason) {
  for (const listener of endListeners) listener(reason);
}

async function readJSON(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { error: { description: text.slice(0, 300), type: "notJSON" } };
  }
}

/** The query endpoint of `dataset`: `query(groq, params)` answers `{ms, result}`. */
export async function query(groq, params = {}, { dataset = "production", perspective = "raw", signal } = {}) {
  return request(`/v1/data/query/${encodeURIComponent(dataset)}`, {
    method: "POST",
    body: { query: groq, params, perspective },
    signal,
  });
}

/** Commits `mutations` to `dataset` as one transaction. */
export async function mutate(mutations, { dataset = "production" } = {}) {
  return request(`/v1/data/mutate/${encodeURIComponent(dataset)}?returnIds=true`, {
    method: "POST",
    body: { mutations },
  });
}

/**
 * Says that this tab (`session`) has document `id` open, editing `field` (a dotted path, or null);
 * answers `{present: [{userId, name, role, session, field}], expiresAfter}`: the others there.
 */
export async function presenceBeat(dataset, id, session, field) {
  return request(`/v1/presence/${encodeURIComponent(dataset)}/${encodeURIComponent(id)}`, {
    method: "PUT",
    body: { session, field: field ?? null },
  });
}

/** Says that this tab left document `id`; sent even as the page unloads. Never throws. */
export function presenceLeave(dataset, id, session) {
  if (!tokens) return;
  const path = `/v1/presence/${encodeURIComponent(dataset)}/${encodeURIComponent(id)}?session=${encodeURIComponent(session)}`;
  authorizedFetch(path, { method: "DELETE", keepalive: true }).catch(() => {});
}

/**
 * Uploads `file` (a File or Blob) to `dataset` as an image or a file asset, as Sanity's clients
 * do: the raw bytes, the type in `Content-Type`, the name in `?filename=`. Calls
 * `onProgress(fraction)` while the bytes go out (fetch cannot report that; XMLHttpRequest can).
 * Answers the asset document; throws ``APIError`` with the server's reason when refused.
 */
export function uploadAsset(kind, file, { dataset = "production", onProgress, signal } = {}) {
  const send = () => new Promise((resolve, reject) => {
    if (!tokens) {
      reject(new SessionEnded("Not signed in"));
      return;
    }
    const xhr = new XMLHttpRequest();
    const name = file.name ? `?filename=${encodeURIComponent(file.name)}` : "";
    xhr.open("POST", `/v1/assets/${kind === "file" ? "files" : "images"}/${encodeURIComponent(dataset)}${name}`);
    xhr.setRequestHeader("Authorization", `Bearer ${tokens.accessToken}`);
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress?.(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      let body = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = { error: { description: xhr.responseText.slice(0, 300), type: "notJSON" } };
      }
      resolve({ status: xhr.status, body });
    });
    xhr.addEventListener("error", () => reject(new APIError(0, { error: { description: "The upload was cut off: check the connection and try again" } })));
    xhr.addEventListener("abort", () => reject(new DOMException("The upload was cancelled", "AbortError")));
    signal?.addEventListener("abort", () => xhr.abort());
    xhr.send(file);
  });
  return (async () => {
    let answer = await send();
    if (answer.status === 401) {
      await refresh();
      answer = await send();
    }
    if (answer.status < 200 || answer.status >= 300) throw new APIError(answer.status, answer.body);
    return answer.body.document;
  })();
}

/** URLs of assets `ids` signed for `<img src>` (which sends no token): `{urls: {id: url}, expires}`. */
export async function signedAssetURLs(ids, { dataset = "production" } = {}) {
  return request(`/v1/assets/urls/${encodeURIComponent(dataset)}`, { method: "POST", body: { ids } });
}
