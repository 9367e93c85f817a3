// The sign-in screen, also shown when a session ends, with the reason it ended.

import { signIn } from "./api.js";
import { element, replace } from "./dom.js";

/** Shows the form in `root`; calls `onSignedIn` once the server accepted the credentials. */
export function showSignIn(root, { notice = null, onSignedIn }) {
  const username = element("input", { id: "username", name: "username", autocomplete: "username", required: true });
  const password = element("input", {
    id: "password", name: "password", type: "password", autocomplete: "current-password", required: true,
  });
  const message = element("p", { class: "form-error", id: "sign-in-error", role: "alert" });
  const button = element("button", { type: "submit", class: "primary" }, "Sign in");
  const form = element("form", { class: "sign-in", "aria-labelledby": "sign-in-title", novalidate: true },
    element("h1", { id: "sign-in-title" }, "Sign in to Facet Studio"),
    notice ? element("p", { class: "notice", role: "status", id: "session-notice" }, notice) : null,
    element("label", { for: "username" }, "Username"), username,
    element("label", { for: "password" }, "Password"), password,
    message,
    button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!username.value || !password.value) {
      message.textContent = "Enter your username and password.";
      (username.value ? password : username).focus();
      return;
    }
    button.disabled = true;
    message.textContent = "";
    try {
      await signIn(username.value.trim(), password.value);
    } catch (error) {
      button.disabled = false;
      message.textContent = error.status === 401
        ? "The username or password is not right. Check them and try again."
        : error.message;
      password.select();
      return;
    }
    onSignedIn();
  });
  replace(root, element("main", { class: "sign-in-screen", id: "main", tabindex: "-1" }, form));
  username.focus();
}
