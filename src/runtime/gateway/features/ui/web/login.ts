// The login page's script: the link's fragment (#token=...) never left the browser; send it
// once as a Bearer header, drop it from the address bar and history, and go to the portal.
// Without a fragment (or with a wrong token) the page offers a form.
// A module (its names stay out of the global scope).
export {};

const status = document.getElementById('login-status')!;
const form = document.getElementById('login-form') as HTMLFormElement;
const input = document.getElementById('token') as HTMLInputElement;

async function login(token: string): Promise<void> {
  status.textContent = 'Logging in…';
  const res = await fetch('/_portico/login', { method: 'POST', headers: { authorization: `Bearer ${token}` }, credentials: 'same-origin' });
  if (res.status === 204) {
    location.replace('/_portico/ui/');
    return;
  }
  status.textContent = res.status === 401 ? 'Login failed (401): that admin token is not valid for this stack.' : `Login failed (${res.status}).`;
  form.hidden = false;
  input.focus();
}

const token = new URLSearchParams(location.hash.slice(1)).get('token');
history.replaceState(null, '', location.pathname);
if (token) {
  void login(token);
} else {
  status.textContent = 'Enter the admin token, or open the link `portico dashboard` prints.';
  form.hidden = false;
}
form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (input.value.trim()) void login(input.value.trim());
});
