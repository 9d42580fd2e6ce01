'use client';
/** Says so, visibly, while the live connection to the server is down (socket.io keeps retrying). */
export function ConnectionBanner({ connected }: { connected: boolean | null }) {
  if (connected !== false) return null;
  return (
    <div role="alert" className="banner" data-testid="disconnected">
      Disconnected from the observatory server — reconnecting… The page shows the last known state.
    </div>
  );
}
