export { default } from '../../src/components/StreamPage.tsx';

export const metadata = { title: 'Stream · emostream' };
