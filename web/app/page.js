// Route files are JavaScript so that Next does not switch on its TypeScript integration (see README).
export { default } from '../src/components/OverviewPage.tsx';
