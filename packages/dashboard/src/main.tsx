import { createRoot } from 'react-dom/client';
import { App } from './app';
import { initTheme } from './theme';
import './styles/base.css';
import './styles/components.css';
import './styles/dashboard.css';

initTheme();
const root = document.getElementById('root');
if (root) createRoot(root).render(<App />);
