# Shared pieces of the numpy proxies (baseline_linear.py, baseline_mlp.py, channel_proxy.py,
# pitch_channels.py, sad_proxy.py): the dumped features, the corpus labels from file names, clip and
# causal-session statistics, a class-weighted logistic regression, an Adam-trained one-hidden-layer
# MLP and unweighted accuracy.
import os
import numpy as np

E7=['neutral','happy','sad','angry','fearful','disgust','surprised']
RAVDESS={1:'neutral',2:'neutral',3:'happy',4:'sad',5:'angry',6:'fearful',7:'disgust',8:'surprised'}
EMODB={'W':'angry','E':'disgust','A':'fearful','F':'happy','T':'sad','N':'neutral','L':None}

def load_frames(base):
    """Per-clip frame matrices and paths from `<base>.f32` / `<base>.tsv` (dump-features.ts, dump-channels.ts)."""
    meta=[l.split('\t') for l in open(f'{base}.tsv').read().split('\n')]
    X=np.fromfile(f'{base}.f32',dtype=np.float32); o=0; clips=[]
    for f,T,D in meta:
        T=int(T);D=int(D); clips.append(X[o:o+T*D].reshape(T,D)); o+=T*D
    return [m[0] for m in meta], clips

def labels(paths):
    """ekman7 label (None for EmoDB boredom), speaker ('r01', 'e03') and corpus ('r', 'e') of each path."""
    lab=[];spk=[];corp=[]
    for f in paths:
        b=os.path.basename(f).split('.')[0]
        if 'ravdess' in f:
            p=b.split('-'); lab.append(RAVDESS[int(p[2])]); spk.append('r'+p[6]); corp.append('r')
        else:
            lab.append(EMODB[b[5]]); spk.append('e'+b[:2]); corp.append('e')
    return lab,spk,corp

def clip_stats(c):
    """Active frames of a dumped clip (within 26 dB of its loudest RMS): log-mel + MFCC rows (104) and
    log F0 of the voiced ones. Columns: logmel 0:64, mfcc 64:104, rms 104, f0 105, vprob 106."""
    e=c[:,104]; thr=np.max(e)*0.05; act=c[e>thr] if (e>thr).sum()>5 else c
    v=act[act[:,105]>0]
    f0=np.log(v[:,105]) if len(v)>3 else np.zeros(1)
    return act[:,:104], f0

def session_feat(a,f0,mu,var,fmu):
    """Functionals of a clip normalised by session statistics (mean, std, p10/50/90, mean absolute
    change per dimension; F0 mean, std, p90-p10 range and voiced share)."""
    an=(a-mu)/np.sqrt(var+1e-6); f=f0-fmu
    q=np.percentile(an,[10,50,90],axis=0)
    d=np.diff(an,axis=0)
    return np.concatenate([an.mean(0),an.std(0),q.ravel(),np.abs(d).mean(0),[f.mean(),f.std(),np.percentile(f,90)-np.percentile(f,10) if len(f)>2 else 0,len(f0)/len(a)]])

def causal_sessions(per,spk,prior,n0,reps,rng):
    """`session_feat` rows of every clip, each speaker's clips played in a shuffled order (`reps`
    times) with running statistics blended with `prior` = (mean, var, F0 mean) weighted `n0` frames,
    as the server's session normaliser does; returns the rows and the clip index of each."""
    gmu,gvar,gf0=prior
    rows=[];ix=[]
    for rep in range(reps):
        for s in sorted(set(spk)):
            idx=[i for i in range(len(per)) if spk[i]==s]; rng.shuffle(idx)
            n=0;S=0;SS=0;fn=0;fs=0.0
            for i in idx:
                a,f0=per[i]; n+=len(a); S=S+a.sum(0); SS=SS+(a**2).sum(0); fn+=len(f0); fs+=f0.sum()
                mu=(n0*gmu+S)/(n0+n); var=(n0*(gvar+gmu**2)+SS)/(n0+n)-mu**2; fmu=(n0*gf0+fs)/(n0+fn)
                rows.append(session_feat(a,f0,mu,var,fmu)); ix.append(i)
    return np.array(rows),np.array(ix)

def train_lr(Xtr,ytr,lam=1e-2,it=3000,lr=0.1):
    """Class-weighted softmax regression on standardised inputs; returns the logit function."""
    mu=Xtr.mean(0);sd=Xtr.std(0)+1e-6; Xn=(Xtr-mu)/sd
    W=np.zeros((Xn.shape[1],7));b=np.zeros(7)
    cw=np.bincount(ytr,minlength=7); cw=len(ytr)/(7*np.maximum(cw,1))
    sw=cw[ytr]
    for _ in range(it):
        z=Xn@W+b; z-=z.max(1,keepdims=True); p=np.exp(z); p/=p.sum(1,keepdims=True)
        p[np.arange(len(ytr)),ytr]-=1; p*=sw[:,None]
        W-=lr*(Xn.T@p/len(ytr)+lam*W); b-=lr*p.mean(0)
    return lambda X: ((X-mu)/sd)@W+b

def fit_mlp(Xtr,ytr,h=256,ep=300,lr=1e-3,drop=0.5,wd=1e-4,seed=0,after_epoch=None,k=7):
    """Class-weighted MLP over `k` classes (ReLU, dropout, input noise 0.1, Adam); `after_epoch(e,
    params)` is called after every epoch; returns the final [W1, b1, W2, b2]."""
    r=np.random.default_rng(seed); d=Xtr.shape[1]
    W1=r.normal(0,np.sqrt(2/d),(d,h));b1=np.zeros(h);W2=r.normal(0,np.sqrt(1/h),(h,k));b2=np.zeros(k)
    params=[W1,b1,W2,b2]; m=[np.zeros_like(p) for p in params]; v=[np.zeros_like(p) for p in params]
    cw=np.bincount(ytr,minlength=k); cw=len(ytr)/(k*np.maximum(cw,1)); t=0
    for e in range(ep):
        perm=r.permutation(len(ytr))
        for s in range(0,len(perm),64):
            b=perm[s:s+64]; x=Xtr[b]+r.normal(0,0.1,Xtr[b].shape); y=ytr[b]
            z1=x@W1+b1; a1=np.maximum(z1,0); mask=(r.random(a1.shape)>drop)/(1-drop); a1d=a1*mask
            z2=a1d@W2+b2; z2-=z2.max(1,keepdims=True); p=np.exp(z2); p/=p.sum(1,keepdims=True)
            g=p.copy(); g[np.arange(len(y)),y]-=1; g*=cw[y][:,None]/len(y)
            gW2=a1d.T@g+wd*W2; gb2=g.sum(0); ga1=(g@W2.T)*mask*(z1>0); gW1=x.T@ga1+wd*W1; gb1=ga1.sum(0)
            t+=1
            for i,(pp,gg) in enumerate(zip(params,[gW1,gb1,gW2,gb2])):
                m[i]=0.9*m[i]+0.1*gg; v[i]=0.999*v[i]+0.001*gg*gg
                pp-=lr*(m[i]/(1-0.9**t))/(np.sqrt(v[i]/(1-0.999**t))+1e-8)
        if after_epoch: after_epoch(e,params)
    return params

def mlp_logits(params,X):
    W1,b1,W2,b2=params
    return np.maximum(X@W1+b1,0)@W2+b2

def ua(pred,yt):
    """Unweighted accuracy: mean recall over the classes present in `yt`."""
    cs=[c for c in range(7) if (yt==c).any()]
    return np.mean([(pred[yt==c]==c).mean() for c in cs])
