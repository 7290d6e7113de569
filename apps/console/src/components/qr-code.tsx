import QRCode from 'qrcode';
import { useEffect, useState } from 'react';

/** The code the buyer scans with the provider's app, drawn here from the provider's code URL. */
export function QrCode({ value, label }: { value: string; label: string }) {
  const [src, setSrc] = useState<string>();
  useEffect(() => {
    let live = true;
    void QRCode.toDataURL(value, { margin: 1, width: 240, errorCorrectionLevel: 'M' }).then((url) => {
      if (live) setSrc(url);
    });
    return () => {
      live = false;
    };
  }, [value]);
  return (
    <figure className="qr">
      {src ? <img src={src} alt={label} width={240} height={240} /> : <div className="qr-placeholder" />}
      <figcaption>
        <code>{value}</code>
      </figcaption>
    </figure>
  );
}
