import { LiveStatus } from './components/live-status.tsx';

export default function DashboardPage() {
  return (
    <main>
      <h1>Cluster Observatory</h1>
      <LiveStatus />
    </main>
  );
}
