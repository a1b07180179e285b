import './globals.css';

export const metadata = {
  title: 'emostream',
  description: 'Live speech emotion dashboard',
};

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
