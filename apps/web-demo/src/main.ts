const status = document.querySelector('#health');
fetch('/health/db')
  .then((res) => res.json() as Promise<{ status: string; dialect: string }>)
  .then((body) => {
    if (status) status.textContent = `Server ${body.status}, database: ${body.dialect}`;
  })
  .catch(() => {
    if (status) status.textContent = 'Server unreachable';
  });
