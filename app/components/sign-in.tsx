'use client';
/** Sign-in with the admin token; the server keeps it as an httpOnly session cookie. */
import { useState, type FormEvent } from 'react';
import type { Session } from '../hooks/use-session.ts';

export function SignIn({ session }: { session: Session }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (session.signedIn === true) {
    return (
      <div className="session" data-testid="session">
        <span>Signed in as admin</span>{' '}
        <button type="button" onClick={() => void session.signOut()}>
          Sign out
        </button>
      </div>
    );
  }
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const problem = await session.signIn(token);
    setBusy(false);
    setError(problem);
    if (problem === null) setToken('');
  };
  return (
    <form className="session" onSubmit={(e) => void submit(e)} data-testid="session">
      <label>
        Admin token{' '}
        <input
          type="password"
          autoComplete="current-password"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          required
        />
      </label>{' '}
      <button type="submit" disabled={busy || token === ''}>
        Sign in
      </button>
      {error !== null && (
        <span role="alert" className="danger">
          {' '}
          {error}
        </span>
      )}
    </form>
  );
}
