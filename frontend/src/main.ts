import './styles.css';

const root = document.getElementById('app');
if (root) root.textContent = 'Connect Now';
