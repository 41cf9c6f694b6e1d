// The panel's offline alerts, for browsers that show notifications only from a service worker
// (Chrome on Android: `new Notification()` throws there). browser-alerts.tsx registers this file
// the first time it needs it. No fetch handler: the panel is never served from a cache.

// A click brings the panel's tab forward and has it open the device (the tab holds the admin token).
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const device = event.notification.data?.device;
  event.waitUntil(
    (async () => {
      const tabs = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const tab = tabs[0];
      if (!tab) return self.clients.openWindow(self.registration.scope);
      await tab.focus();
      tab.postMessage({ type: 'hypertcp:open-device', device });
    })(),
  );
});
