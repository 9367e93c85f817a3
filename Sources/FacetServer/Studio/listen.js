// Live updates from `/v1/data/listen`. EventSource cannot send the token, so the stream is read
// with fetch and its server-sent events are parsed here; a dropped stream is reopened.
//
// Every pane listens through one stream per dataset: a browser keeps at most six connections
// to a server, and a desk with a list, two documents, their "Referenced by" and a picker waiting
// for a new document would hold them all, leaving none for saving or publishing. The stream
// carries every change the role may see; a listener for given ids (`_id == $id`,
// `_id in [$id, $draft]`) hears only those, any other listener hears every change and reads
// its own query again.

import { authorizedFetch, SessionEnded } from "./api.js";

const streams = new Map();

/**
 * Listens to the documents `filter` matches; calls `onMutation(event)` for each change (for a
 * filter on ids, only theirs), and `onWelcome()` whenever the stream (re)opens. Answers
 * `{close()}`. `onError(message)` is called if the server refuses to stream.
 */
export function listen(filter, params, { dataset = "production", onMutation, onWelcome = () => {}, onError = () => {} }) {
  let stream = streams.get(dataset);
  if (!stream) {
    stream = new SharedStream(dataset);
    streams.set(dataset, stream);
  }
  const listener = { ids: idsOf(filter, params), onMutation, onWelcome, onError };
  stream.add(listener);
  return {
    close: () => {
      if (stream.remove(listener)) streams.delete(dataset);
    },
  };
}

/**
 * The ids a filter names when it is only a test of `_id` against parameters or strings
 * (`_id == $id`, `_id in [$id, $draft]`); `null` for any other filter.
 */
function idsOf(filter, params) {
  const single = /^\s*_id\s*==\s*\$([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(filter);
  if (single) return typeof params?.[single[1]] === "string" ? new Set([params[single[1]]]) : null;
  const list = /^\s*_id\s+in\s+\[([^\]]*)\]\s*$/.exec(filter);
  if (!list) return null;
  const ids = new Set();
  for (const part of list[1].split(",").map((text) => text.trim()).filter(Boolean)) {
    const name = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(part)?.[1];
    if (!name || typeof params?.[name] !== "string") return null;
    ids.add(params[name]);
  }
  return ids;
}

/** One stream of a dataset's changes, open while anyone listens, shared by every listener. */
class SharedStream {
  constructor(dataset) {
    this.dataset = dataset;
    this.listeners = new Set();
    this.controller = null;
  }

  add(listener) {
    this.listeners.add(listener);
    if (!this.controller) this.open();
  }

  /** Removes `listener`; true when it was the last one and the stream is closed. */
  remove(listener) {
    this.listeners.delete(listener);
    if (this.listeners.size > 0) return false;
    this.controller?.abort();
    this.controller = null;
    return true;
  }

  deliver(event) {
    for (const listener of [...this.listeners]) {
      if (listener.ids && !listener.ids.has(event.documentId)) continue;
      try {
        listener.onMutation(event);
      } catch (error) {
        // One pane's failure must not keep the change from the others.
        setTimeout(() => { throw error; });
      }
    }
  }

  open() {
    const controller = new AbortController();
    this.controller = controller;
    const path = `/v1/data/listen/${encodeURIComponent(this.dataset)}?query=${encodeURIComponent("*")}&includeResult=false`;
    (async () => {
      let delay = 1000;
      while (!controller.signal.aborted) {
        try {
          const response = await authorizedFetch(path, { signal: controller.signal, headers: { Accept: "text/event-stream" } });
          if (!response.ok || !response.body) throw new Error(`listen answered ${response.status}`);
          delay = 1000;
          const ending = await readEvents(response.body, (event) => {
            // The server ends the stream with these: reconnect, or stop for good.
            if (event.type === "reconnect" || event.type === "channelError") return event;
            if (event.type === "welcome" || event.type === "welcomeback") {
              for (const listener of [...this.listeners]) listener.onWelcome();
            }
            if (event.type === "mutation") this.deliver(JSON.parse(event.data));
            return undefined;
          });
          if (ending?.type === "channelError") {
            const message = JSON.parse(ending.data)?.message ?? "The server refused to send live updates";
            for (const listener of [...this.listeners]) listener.onError(message);
            return;
          }
        } catch (error) {
          if (controller.signal.aborted || error instanceof SessionEnded) return;
        }
        // The server said reconnect, or the connection dropped: wait, then open it again.
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 30000);
      }
    })();
  }
}

/**
 * Reads server-sent events from `body` until it ends, calling `handle({type, data, id})` for each;
 * stops at the first event `handle` answers something other than `undefined` for, and answers
 * that. Comment lines (`: keep-alive`) are skipped.
 */
export async function readEvents(body, handle) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return undefined;
      buffer += value.replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = { type: "message", data: "", id: null };
        const data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) continue;
          const colon = line.indexOf(":");
          const name = colon < 0 ? line : line.slice(0, colon);
          const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (name === "event") event.type = text;
          else if (name === "data") data.push(text);
          else if (name === "id") event.id = text;
        }
        if (data.length === 0 && event.type === "message") continue;
        event.data = data.join("\n");
        const answer = handle(event);
        if (answer !== undefined) return answer;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
