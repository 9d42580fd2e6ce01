import { Dashboard } from './components/dashboard.tsx';

export default function DashboardPage() {
  return (
    <main>
      <Dashboard />
    </main>
  );
}
