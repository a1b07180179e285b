export { default } from '../../src/components/TryPage.tsx';

export const metadata = { title: 'Try it · emostream' };
