'use client';
/** Whether this browser holds an admin session (the cookie itself is httpOnly), and sign-in/out. */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { sessionSchema } from '../../protocol/http.ts';
import { deleteJson, getJson, postJson } from '../lib/api.ts';

export interface Session {
  /** null while unknown */
  readonly signedIn: boolean | null;
  signIn(token: string): Promise<string | null>;
  signOut(): Promise<void>;
  /** call when a control answered 401: the session has expired or the token changed */
  lost(): void;
}

export function useSession(): Session {
  const [signedIn, setSignedIn] = useState<boolean | null>(null);
  useEffect(() => {
    void getJson('/api/session', sessionSchema).then((r) => setSignedIn(r.ok && r.data.signedIn));
  }, []);
  const signIn = useCallback(async (token: string) => {
    const r = await postJson('/api/session', { token }, sessionSchema);
    setSignedIn(r.ok);
    return r.ok ? null : r.status === 401 ? 'Wrong admin token.' : r.message;
  }, []);
  const signOut = useCallback(async () => {
    await deleteJson('/api/session');
    setSignedIn(false);
  }, []);
  const lost = useCallback(() => setSignedIn(false), []);
  // One object per sign-in state, so memoized panels that take the session skip other redraws.
  return useMemo(() => ({ signedIn, signIn, signOut, lost }), [signedIn, signIn, signOut, lost]);
}
